/**
 * JMH benchmarks and a heap measurement of the embedded identity store.
 */
package io.eventrouter.benchmark.identity;

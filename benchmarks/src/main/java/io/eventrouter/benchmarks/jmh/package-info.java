/**
 * JMH benchmarks of the per-request hot paths, each next to its Jackson baseline, and the same
 * operations compared by CPU time.
 */
@NullMarked
package io.eventrouter.benchmarks.jmh;

import org.jspecify.annotations.NullMarked;

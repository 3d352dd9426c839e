/**
 * Benchmarks of Event Router: JMH benchmarks of the hot paths, the servers the load run starts
 * and the two-destination pipeline scenario. See docs/benchmarks.md for how to run them.
 */
@NullMarked
package io.eventrouter.benchmarks;

import org.jspecify.annotations.NullMarked;

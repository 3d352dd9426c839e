/**
 * The two-destination scenario: delivery latency of a healthy destination while another fails.
 */
@NullMarked
package io.eventrouter.benchmarks.isolation;

import org.jspecify.annotations.NullMarked;

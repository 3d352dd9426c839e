/**
 * The report of the load run that benchmarks/run-load.sh drives with wrk.
 */
@NullMarked
package io.eventrouter.benchmarks.load;

import org.jspecify.annotations.NullMarked;

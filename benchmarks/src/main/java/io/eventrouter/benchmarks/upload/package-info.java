/**
 * Generated upload bodies shaped like Amplitude's browser SDK, shared by every benchmark.
 */
@NullMarked
package io.eventrouter.benchmarks.upload;

import org.jspecify.annotations.NullMarked;

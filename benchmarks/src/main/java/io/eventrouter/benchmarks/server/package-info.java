/**
 * The servers the load run starts: the stand-in for Amplitude and the bare parsing baseline.
 */
@NullMarked
package io.eventrouter.benchmarks.server;

import org.jspecify.annotations.NullMarked;

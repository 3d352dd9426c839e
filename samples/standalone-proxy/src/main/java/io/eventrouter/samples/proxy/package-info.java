/**
 * A standalone Event Router in front of Amplitude.
 */
@NullMarked
package io.eventrouter.samples.proxy;

import org.jspecify.annotations.NullMarked;

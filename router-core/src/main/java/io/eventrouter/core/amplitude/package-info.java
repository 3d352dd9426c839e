/**
 * Amplitude's HTTP V2 wire format: request and response codecs, and the Amplitude destination.
 */
@NullMarked
package io.eventrouter.core.amplitude;

import org.jspecify.annotations.NullMarked;

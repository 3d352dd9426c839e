/**
 * The event model: one analytics event in Amplitude's HTTP V2 shape, and the request values that travel with it.
 */
@NullMarked
package io.eventrouter.core.event;

import org.jspecify.annotations.NullMarked;

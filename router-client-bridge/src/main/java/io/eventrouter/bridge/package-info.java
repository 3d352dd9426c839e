/**
 * The client bridge: WebFlux endpoints that respond to Amplitude's client SDKs as Amplitude does.
 */
@NullMarked
package io.eventrouter.bridge;

import org.jspecify.annotations.NullMarked;

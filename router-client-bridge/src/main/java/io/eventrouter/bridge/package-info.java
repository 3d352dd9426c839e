/**
 * The client bridge: WebFlux endpoints that answer Amplitude's client SDKs as Amplitude does.
 */
@NullMarked
package io.eventrouter.bridge;

import org.jspecify.annotations.NullMarked;

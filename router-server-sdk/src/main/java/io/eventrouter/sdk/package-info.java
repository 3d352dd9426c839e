/**
 * The server SDK: builds events and publishes them into Event Router, in-process when the router
 * runs in the same JVM and over HTTP to any Amplitude-compatible endpoint otherwise. Start with
 * {@link io.eventrouter.sdk.EventPublisher#builder()}.
 */
@NullMarked
package io.eventrouter.sdk;

import org.jspecify.annotations.NullMarked;

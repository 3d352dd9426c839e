/**
 * The bridge's own limits: requests per client address and per API key, requests in flight, and
 * events per second per device and user, each rejected with the 429 that Amplitude sends when it throttles.
 */
@NullMarked
package io.eventrouter.bridge.throttle;

import org.jspecify.annotations.NullMarked;

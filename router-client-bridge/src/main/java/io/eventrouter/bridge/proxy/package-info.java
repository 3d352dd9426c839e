/**
 * Forwarding to upstream services (Experiment, remote configuration) and the header rules every
 * bridge response follows, such as CORS.
 */
@NullMarked
package io.eventrouter.bridge.proxy;

import org.jspecify.annotations.NullMarked;

/**
 * Rules every bridge response follows: CORS and other header handling.
 */
@NullMarked
package io.eventrouter.bridge.proxy;

import org.jspecify.annotations.NullMarked;

/**
 * Actuator health indicators, one per destination.
 */
@NullMarked
package io.eventrouter.web.health;

import org.jspecify.annotations.NullMarked;

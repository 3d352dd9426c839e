/**
 * The dead-letter store: events a destination refused for good or that spent their retry budget,
 * kept with the reason so that operators can inspect and replay them.
 */
@NullMarked
package io.eventrouter.core.deadletter;

import org.jspecify.annotations.NullMarked;

/**
 * An identity store in Redis, for several router instances that stitch the same people.
 * Needs {@code io.lettuce:lettuce-core} on the class path.
 */
@NullMarked
package io.eventrouter.core.identity.redis;

import org.jspecify.annotations.NullMarked;

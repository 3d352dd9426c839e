/**
 * Helpers for logging problems that repeat, such as a limit on WARN lines.
 */
@NullMarked
package io.eventrouter.core.log;

import org.jspecify.annotations.NullMarked;

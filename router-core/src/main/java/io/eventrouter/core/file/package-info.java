/**
 * A destination that appends events to a local JSON Lines file; the embedded default.
 */
@NullMarked
package io.eventrouter.core.file;

import org.jspecify.annotations.NullMarked;

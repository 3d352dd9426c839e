/**
 * Helpers shared by several packages of router-core. Not API: they may change in any release.
 */
@NullMarked
package io.eventrouter.core.internal;

import org.jspecify.annotations.NullMarked;

/**
 * The spool between acceptance and dispatch, where accepted events wait for every destination.
 */
@NullMarked
package io.eventrouter.core.spool;

import org.jspecify.annotations.NullMarked;

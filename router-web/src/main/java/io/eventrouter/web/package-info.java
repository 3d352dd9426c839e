/**
 * The standalone Event Router application.
 */
@NullMarked
package io.eventrouter.web;

import org.jspecify.annotations.NullMarked;

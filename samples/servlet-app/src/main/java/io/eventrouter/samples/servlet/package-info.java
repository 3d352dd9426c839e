/**
 * A Spring MVC application that embeds Event Router.
 */
@NullMarked
package io.eventrouter.samples.servlet;

import org.jspecify.annotations.NullMarked;

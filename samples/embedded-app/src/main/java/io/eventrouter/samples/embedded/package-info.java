/**
 * A Spring Boot application that embeds Event Router.
 */
@NullMarked
package io.eventrouter.samples.embedded;

import org.jspecify.annotations.NullMarked;

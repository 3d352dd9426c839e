/**
 * Spring Boot auto-configuration of Event Router from {@code router.*} properties.
 */
@NullMarked
package io.eventrouter.web.autoconfigure;

import org.jspecify.annotations.NullMarked;

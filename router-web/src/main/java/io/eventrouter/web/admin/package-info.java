/**
 * Operator endpoints, served only behind the admin credential.
 */
@NullMarked
package io.eventrouter.web.admin;

import org.jspecify.annotations.NullMarked;

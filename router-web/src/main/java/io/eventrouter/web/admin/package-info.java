/**
 * Operator endpoints: list and replay dead letters, look up linked identities. Every request
 * needs the configured admin token; the endpoints may listen on a port of their own.
 */
@NullMarked
package io.eventrouter.web.admin;

import org.jspecify.annotations.NullMarked;

/**
 * Identity in the web layer of an application that embeds the router: carrying the browser
 * request's device and session ids to the server events published while handling it.
 */
@NullMarked
package io.eventrouter.web.identity;

import org.jspecify.annotations.NullMarked;

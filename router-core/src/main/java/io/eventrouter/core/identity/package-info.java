/**
 * Identity stitching: joins the events of one person across browser, mobile and server sources
 * by remembering which user each device last belonged to and which device and session each user
 * was last active on. {@link io.eventrouter.core.identity.IdentityStitcher} applies the rules;
 * {@link io.eventrouter.core.identity.IdentityStore} is the port to where the links live.
 */
@NullMarked
package io.eventrouter.core.identity;

import org.jspecify.annotations.NullMarked;

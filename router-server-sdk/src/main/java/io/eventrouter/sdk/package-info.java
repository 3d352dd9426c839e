/**
 * The server SDK: publishes events from server code into Event Router, in-process when the router
 * runs in the same application.
 */
@NullMarked
package io.eventrouter.sdk;

import org.jspecify.annotations.NullMarked;

/**
 * The router's first-party device cookie: setting it on bridge responses, and linking the device
 * ids of uploads to it so that a browser's device id survives the expiry of its SDK's storage.
 */
@NullMarked
package io.eventrouter.bridge.identity;

import org.jspecify.annotations.NullMarked;

/**
 * Client addresses and other personal data, handled before events leave the bridge.
 */
@NullMarked
package io.eventrouter.bridge.privacy;

import org.jspecify.annotations.NullMarked;

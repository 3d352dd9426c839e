/**
 * The server SDK's implementation: buffering, transports, batching and retries. Not API: any
 * type here may change or disappear in any release; use {@link io.eventrouter.sdk} instead.
 */
@NullMarked
package io.eventrouter.sdk.internal;

import org.jspecify.annotations.NullMarked;

/**
 * The dispatch pipeline: acceptance, then per-destination batching, delivery and retries.
 */
@NullMarked
package io.eventrouter.core.pipeline;

import org.jspecify.annotations.NullMarked;

/**
 * Micrometer meters of the pipeline and the server SDK.
 */
@NullMarked
package io.eventrouter.web.metrics;

import org.jspecify.annotations.NullMarked;

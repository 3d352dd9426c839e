/**
 * Sources: where events enter the pipeline, each known by a configured source id.
 */
@NullMarked
package io.eventrouter.core.source;

import org.jspecify.annotations.NullMarked;

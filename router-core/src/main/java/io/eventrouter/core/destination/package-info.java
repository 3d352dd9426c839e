/**
 * The destination contract: a service that receives batches of events and reports an outcome per event.
 */
@NullMarked
package io.eventrouter.core.destination;

import org.jspecify.annotations.NullMarked;

/**
 * Ingestion endpoints: turn SDK uploads into events and respond in Amplitude's shapes.
 */
@NullMarked
package io.eventrouter.bridge.ingest;

import org.jspecify.annotations.NullMarked;

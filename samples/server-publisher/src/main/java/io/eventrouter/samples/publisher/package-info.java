/**
 * A plain Java program that publishes events with the server SDK.
 */
@NullMarked
package io.eventrouter.samples.publisher;

import org.jspecify.annotations.NullMarked;

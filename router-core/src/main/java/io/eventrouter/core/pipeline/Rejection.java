package io.eventrouter.core.pipeline;

/**
 * Why an event goes to the dead-letter store.
 *
 * @param reason a code from a small fixed set, such as {@code invalid-event}
 * @param detail the destination's message, or the last failure
 */
record Rejection(String reason, String detail) {
}

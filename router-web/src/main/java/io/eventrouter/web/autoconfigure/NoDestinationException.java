package io.eventrouter.web.autoconfigure;

/**
 * Thrown at start-up when every destination is disabled, so events would have nowhere to go.
 */
class NoDestinationException extends RuntimeException {

    NoDestinationException() {
        super("Event Router has no destination: every built-in destination is disabled and the application "
                + "defines no Destination bean");
    }

}

package io.eventrouter.core.file;

import java.nio.file.Path;

/**
 * Thrown when another process, or another destination in this one, has the event file of a
 * {@link JsonLinesFileDestination} open, most often a second router started in the same working
 * folder. Two writers would interleave their lines, and the repair on open could truncate a line
 * the other is still writing.
 */
public final class EventFileInUseException extends IllegalStateException {

    private final Path path;

    EventFileInUseException(Path path) {
        super("The event file " + path + " is in use by another process");
        this.path = path;
    }

    /** Returns the event file another process has open. */
    public Path path() {
        return this.path;
    }

}

package io.eventrouter.core.identity;

import java.nio.file.Path;

/**
 * Thrown when the embedded identity store's folder is locked by another process, most often a
 * second router started with the same folder. Two processes appending to one log would
 * overwrite each other's links.
 */
public final class IdentityStoreInUseException extends IllegalStateException {

    private final Path directory;

    IdentityStoreInUseException(Path directory) {
        super("The identity store in " + directory + " is in use by another process");
        this.directory = directory;
    }

    /** Returns the folder another process has locked. */
    public Path directory() {
        return this.directory;
    }

}

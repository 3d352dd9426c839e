package io.eventrouter.web.autoconfigure;

import io.eventrouter.core.file.EventFileInUseException;
import io.eventrouter.core.identity.IdentityStoreInUseException;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStoreException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Explains a start that found the spool, the dead-letter store, the embedded identity store or the
 * file destination's event file locked by another process, most often a second router started in
 * the same working folder.
 * Without it, the reason is a cause deep in a long stack trace.
 */
class LockedFileFailureAnalyzer implements FailureAnalyzer {

    private static final String ACTION = "Stop the other router, or give each router its own folder for its data: "
            + "router.spool.path, router.dead-letters.path, router.identity.embedded.directory and "
            + "router.destinations.file.path (all under data/ in the working folder by default).";

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            boolean locked = (cause instanceof MVStoreException store
                    && store.getErrorCode() == DataUtils.ERROR_FILE_LOCKED)
                    || cause instanceof IdentityStoreInUseException || cause instanceof EventFileInUseException;
            if (locked) {
                return new FailureAnalysis("Another process has a file of the router open: " + cause.getMessage(),
                        ACTION, cause);
            }
        }
        return null;
    }

}

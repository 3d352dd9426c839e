package io.eventrouter.web.autoconfigure;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStoreException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start that found the spool, the dead-letter store or the embedded identity store
 * locked by another process, most often a second router started in the same working folder.
 * Without it, the reason is a cause deep in a long stack trace.
 */
class LockedFileFailureAnalyzer extends AbstractFailureAnalyzer<MVStoreException> {

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, MVStoreException cause) {
        if (cause.getErrorCode() != DataUtils.ERROR_FILE_LOCKED) {
            return null;
        }
        return new FailureAnalysis("Another process has a file of the router open: " + cause.getMessage(),
                "Stop the other router, or give each router its own folder for its data: "
                        + "router.spool.path, router.dead-letters.path and router.identity.embedded.directory "
                        + "(all under data/ in the working folder by default).",
                cause);
    }

}

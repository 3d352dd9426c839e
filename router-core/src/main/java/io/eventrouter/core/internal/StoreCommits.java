package io.eventrouter.core.internal;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits to an H2 MVStore file so that a crash at any write reopens it at the last completed
 * commit or a later one.
 *
 * <p>MVStore writes a commit's chunk first and the file header that names the newest chunk
 * after it, and left to itself rewrites the header only every 20 versions or when a chunk lands
 * off the position it predicted. A new chunk could then land on the space of a dead chunk the
 * header still named, and a process killed between the two writes left a file that opened at an
 * older commit, without appends already acknowledged. {@link #commit(MVStore)} has MVStore
 * rewrite the header after every chunk, so the header names the newest chunk, which contains the
 * current layout and is never free. A power loss can still persist the header before the chunk
 * it names; {@link OrderedFileSystem} closes that gap for a file that syncs every commit.
 */
public final class StoreCommits {

    /**
     * The header key that makes MVStore 2.4 write the header after the next chunk. MVStore removes
     * it before that write, and sets it itself only at a clean close and after a rollback, which
     * the router never calls.
     */
    private static final String HEADER_REWRITE = "clean";

    /** The header key of the version of the chunk the header names. */
    private static final String HEADER_VERSION = "version";

    /** The H2 version the parent pom pins and the crash tests run. */
    private static final String BUILT_WITH = "2.4.240";

    private static final Logger logger = LoggerFactory.getLogger(StoreCommits.class);

    private static final AtomicBoolean warned = new AtomicBoolean();

    private StoreCommits() {
    }

    /**
     * Commits {@code store} and has MVStore rewrite the file header right after the new chunk.
     * Calls for one store must not run concurrently with each other or with its close. The key
     * is removed again in case the commit wrote no chunk, so that a header written later by
     * compaction never carries it. When the header does not name the commit just written, as
     * with an H2 version other than the one the router is built with, logs one WARN per process.
     */
    public static void commit(MVStore store) {
        FileStore<?> file = store.getFileStore();
        if (file == null) {
            store.commit();
            return;
        }
        Map<String, Object> header = file.getStoreHeader();
        long before = store.getCurrentVersion();
        long committed;
        header.put(HEADER_REWRITE, 1);
        try {
            committed = store.commit();
        }
        finally {
            header.remove(HEADER_REWRITE);
        }
        // MVStore returns -1 when there was nothing to commit, and then writes no chunk.
        if (committed > before && DataUtils.readHexLong(header, HEADER_VERSION, -1) != committed
                && warned.compareAndSet(false, true)) {
            logger.warn("The file header does not name the commit just written, so a crash may reopen the file at "
                    + "an older commit and lose what it acknowledged; use the H2 version the router is built with: "
                    + "file={} h2_version={} expected_h2_version={}", OrderedFileSystem.withoutPrefix(file.getFileName()),
                    MVStore.class.getPackage().getImplementationVersion(), BUILT_WITH);
        }
    }

}

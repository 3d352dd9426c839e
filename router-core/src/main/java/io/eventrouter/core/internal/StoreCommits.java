package io.eventrouter.core.internal;

import java.util.Map;

import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;

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
     * MVStore 2.4 writes the header after a chunk when its header map contains this key, which it
     * removes first; it is otherwise set only in the header written at a clean close.
     */
    private static final String HEADER_REWRITE = "clean";

    private StoreCommits() {
    }

    /**
     * Commits {@code store} and has MVStore rewrite the file header right after the new chunk.
     * Calls must come from the one thread that writes the store. The key is removed again in case
     * the commit wrote no chunk, so that a header written later by compaction never carries it.
     */
    public static void commit(MVStore store) {
        FileStore<?> file = store.getFileStore();
        if (file == null) {
            store.commit();
            return;
        }
        Map<String, Object> header = file.getStoreHeader();
        header.put(HEADER_REWRITE, 1);
        try {
            store.commit();
        }
        finally {
            header.remove(HEADER_REWRITE);
        }
    }

}

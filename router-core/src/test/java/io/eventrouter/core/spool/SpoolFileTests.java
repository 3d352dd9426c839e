package io.eventrouter.core.spool;

import java.nio.file.Path;

import io.eventrouter.core.internal.FaultyFileSystem;
import org.h2.mvstore.MVMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Shrinking the spool's file. */
class SpoolFileTests {

    private static final int RECORD_BYTES = 500_000;

    @TempDir
    Path directory;

    private SpoolFile file;

    @AfterEach
    void close() {
        if (this.file != null) {
            this.file.close();
        }
    }

    @Test
    void shrinksSparseChunksInBoundedWrites() {
        MVMap<Long, byte[]> records = fill(60);
        // A quarter of the records stay, one in every chunk, so every chunk must be rewritten.
        for (long offset = 0; offset < 60; offset++) {
            if (offset % 4 != 0) {
                records.remove(offset);
            }
        }
        this.file.commit(true);
        long before = this.file.fileSize();
        FaultyFileSystem.largestWrite.set(0);

        this.file.shrink(1000, 0);

        assertThat(this.file.fileSize()).isLessThan(before / 2);
        assertThat(FaultyFileSystem.largestWrite.get()).isLessThan(5_000_000L);
        assertThat(records.size()).isEqualTo(15);
    }

    @Test
    void shrinksAfterEveryOldRecordIsDeleted() {
        MVMap<Long, byte[]> records = fill(60);
        // The backlog drained: only the newest chunk's records stay, at the end of the file.
        for (long offset = 0; offset < 56; offset++) {
            records.remove(offset);
        }
        this.file.commit(true);
        long before = this.file.fileSize();
        FaultyFileSystem.largestWrite.set(0);

        this.file.shrink(1000, 0);

        assertThat(this.file.fileSize()).isLessThan(before / 4);
        assertThat(FaultyFileSystem.largestWrite.get()).isLessThan(5_000_000L);
        assertThat(records.size()).isEqualTo(4);
    }

    /** Opens the file and puts {@code count} records of 500 KB in it, committed in chunks of four. */
    private MVMap<Long, byte[]> fill(int count) {
        FaultyFileSystem.register();
        Path path = this.directory.resolve(SpoolFile.FILE_NAME);
        this.file = SpoolFile.openOrReplace(FaultyFileSystem.PREFIX + path, path, 0, false);
        MVMap<Long, byte[]> records = this.file.records();
        for (long offset = 0; offset < count; offset++) {
            records.put(offset, new byte[RECORD_BYTES]);
            if (offset % 4 == 3) {
                this.file.commit(true);
            }
        }
        return records;
    }

}

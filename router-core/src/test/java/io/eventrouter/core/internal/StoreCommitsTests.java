package io.eventrouter.core.internal;

import java.nio.file.Path;
import java.util.Map;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StoreCommits}. The crash tests of the spool show what the header rewrite
 * protects; these pin the behaviour of the H2 version it depends on.
 */
class StoreCommitsTests {

    @TempDir
    Path directory;

    @Test
    void headerNamesEveryCommit() {
        try (MVStore store = new MVStore.Builder().fileName(this.directory.resolve("store.mv.db").toString())
                .autoCommitDisabled().open()) {
            store.setRetentionTime(0);
            MVMap<Long, String> map = store.openMap("map");
            Map<String, Object> header = store.getFileStore().getStoreHeader();
            for (long key = 0; key < 30; key++) {
                map.put(key, "value-" + key);
                map.remove(key - 3);

                StoreCommits.commit(store);

                assertThat(DataUtils.readHexLong(header, "version", -1)).as("header version after commit %d", key)
                        .isEqualTo(store.getCurrentVersion());
                assertThat(header).as("header after commit %d", key).doesNotContainKey("clean");
            }
        }
    }

    @Test
    void leavesNoCleanMarkWhenNothingChanged() {
        try (MVStore store = new MVStore.Builder().fileName(this.directory.resolve("store.mv.db").toString())
                .autoCommitDisabled().open()) {
            store.openMap("map").put(1L, "value");
            StoreCommits.commit(store);
            long version = store.getCurrentVersion();

            StoreCommits.commit(store);

            assertThat(store.getCurrentVersion()).isEqualTo(version);
            assertThat(store.getFileStore().getStoreHeader()).doesNotContainKey("clean");
        }
    }

    @Test
    void commitsStoreWithoutFile() {
        try (MVStore store = new MVStore.Builder().autoCommitDisabled().open()) {
            MVMap<Long, String> map = store.openMap("map");
            map.put(1L, "value");

            StoreCommits.commit(store);

            assertThat(map.get(1L)).isEqualTo("value");
            assertThat(store.hasUnsavedChanges()).isFalse();
        }
    }

}

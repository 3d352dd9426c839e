package io.eventrouter.web;

import java.nio.file.Path;
import java.time.Duration;

import io.eventrouter.core.deadletter.MVStoreDeadLetterStore;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class DeadLetterStoreCheckTests {

    @TempDir
    Path directory;

    @Test
    void failsOnLockedFile() {
        Path file = this.directory.resolve("dead-letters.mv");
        try (MVStoreDeadLetterStore first = MVStoreDeadLetterStore.open(file);
                MVStoreDeadLetterStore second = MVStoreDeadLetterStore.open(file)) {
            first.count(null).block(Duration.ofSeconds(10));

            Throwable failure = catchThrowable(() -> DeadLetterStoreCheck.open(second));

            assertThat(failure).isInstanceOf(MVStoreException.class);
            assertThat(((MVStoreException) failure).getErrorCode()).isEqualTo(DataUtils.ERROR_FILE_LOCKED);
        }
    }

    @Test
    void opensAFreeFile() {
        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(this.directory.resolve("dead-letters.mv"))) {
            DeadLetterStoreCheck.open(store);
        }
    }

}

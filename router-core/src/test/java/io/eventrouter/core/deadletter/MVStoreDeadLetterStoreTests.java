package io.eventrouter.core.deadletter;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.internal.CrashImages;
import io.eventrouter.core.internal.FaultyFileSystem;
import io.eventrouter.core.source.SourceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MVStoreDeadLetterStoreTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path folder;

    private static DeadLetter letter(String destination, String insertId) {
        Event event = Event.builder("click").context(new RequestContext("key-0123456789", 3)).deviceId("device-1")
                .insertId(insertId).eventProperty("plan", "pro").build();
        return new DeadLetter(DestinationId.of(destination), SourceId.of("client-bridge"), event, "invalid-event",
                "HTTP 400: Invalid field values on some events", 2, Instant.ofEpochMilli(1_000),
                Instant.ofEpochMilli(2_000));
    }

    private static ListAppender<ILoggingEvent> captureLogs() {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(MVStoreDeadLetterStore.class)).addAppender(logs);
        return logs;
    }

    private static List<Path> movedAside(Path file) throws IOException {
        try (Stream<Path> files = Files.list(file.getParent())) {
            return files.filter((moved) -> moved.getFileName().toString().startsWith(file.getFileName() + ".corrupt-"))
                    .toList();
        }
    }

    @Test
    void keepsLettersAcrossARestart() {
        Path file = this.folder.resolve("dead-letters.mv");
        DeadLetter letter = letter("amplitude", "e0");
        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(file)) {
            store.add(List.of(letter)).block(TIMEOUT);
        }

        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(file)) {
            List<StoredDeadLetter> letters = store.list(null, 0, 10).block(TIMEOUT);

            assertThat(letters).extracting(StoredDeadLetter::deadLetter).containsExactly(letter);
        }
    }

    /**
     * Rebuilds the file a crash leaves while replays remove letters and MVStore writes new chunks
     * over theirs: before every write, as a kill leaves it, or at every sync, as a power loss may.
     * Each image must hold the last letter whose add completed. MVStore reuses a dead chunk only
     * 45 s and five versions after it died by default, so the store reuses them at once here.
     * Committing as MVStore does by default lost letters in every run, and so did power-loss images
     * without {@code OrderedFileSystem}.
     */
    @ParameterizedTest(name = "power loss: {0}")
    @ValueSource(booleans = { false, true })
    void keepsAddedLetterThroughCrash(boolean powerLoss) {
        FaultyFileSystem.register();
        Path live = this.folder.resolve("live").resolve("dead-letters.mv");
        CrashImages crashes = new CrashImages(live, this.folder.resolve("crashed").resolve("dead-letters.mv"), powerLoss,
                (image, last) -> {
                    try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(image)) {
                        return !store.get(List.of(last)).block(TIMEOUT).isEmpty();
                    }
                });
        FaultyFileSystem.observer = crashes;
        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(live, FaultyFileSystem.PREFIX, true)) {
            for (int batch = 0; batch < 100; batch++) {
                int number = batch;
                store.add(IntStream.range(0, 5).mapToObj((i) -> letter("amplitude", number + "-" + i)).toList())
                        .block(TIMEOUT);
                List<Long> ids = store.list(null, 0, 100).block(TIMEOUT).stream().map(StoredDeadLetter::id).toList();
                crashes.acknowledged = ids.get(ids.size() - 1);
                store.remove(ids.subList(0, ids.size() - 5)).block(TIMEOUT);
            }
        }
        finally {
            FaultyFileSystem.observer = null;
        }

        assertThat(crashes.imagesChecked).isGreaterThan(100);
        assertThat(crashes.lost).as("added letters missing from a crash image").isEmpty();
    }

    @Test
    void movesDamagedFileAside() throws IOException {
        Path file = this.folder.resolve("dead-letters.mv");
        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(file)) {
            store.add(List.of(letter("amplitude", "e0"))).block(TIMEOUT);
        }
        // As dd if=/dev/urandom bs=4096 count=2 conv=notrunc does: both copies of MVStore's header.
        byte[] noise = new byte[8192];
        new Random(42).nextBytes(noise);
        try (RandomAccessFile damaged = new RandomAccessFile(file.toFile(), "rw")) {
            damaged.write(noise);
        }
        byte[] damagedBytes = Files.readAllBytes(file);
        ListAppender<ILoggingEvent> logs = captureLogs();

        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(file)) {
            long before = store.count(null).block(TIMEOUT);
            store.add(List.of(letter("amplitude", "e1"))).block(TIMEOUT);
            List<StoredDeadLetter> after = store.list(null, 0, 10).block(TIMEOUT);

            assertThat(before).isZero();
            assertThat(after).extracting((stored) -> stored.deadLetter().event().insertId().orElseThrow())
                    .containsExactly("e1");
        }
        finally {
            ((Logger) LoggerFactory.getLogger(MVStoreDeadLetterStore.class)).detachAppender(logs);
        }
        List<Path> moved = movedAside(file);
        assertThat(moved).hasSize(1);
        assertThat(moved.get(0)).hasBinaryContent(damagedBytes);
        assertThat(logs.list).singleElement().satisfies((log) -> {
            assertThat(log.getLevel()).isEqualTo(Level.ERROR);
            assertThat(log.getFormattedMessage())
                    .startsWith("The dead-letter file is damaged and cannot be opened, so it was moved aside")
                    .contains("file=" + file.toAbsolutePath(), "moved_to=" + moved.get(0).toAbsolutePath());
        });
    }

    @Test
    void warnsAboutEmptyFile() throws IOException {
        Path file = Files.createFile(this.folder.resolve("dead-letters.mv"));
        ListAppender<ILoggingEvent> logs = captureLogs();

        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(file)) {
            assertThat(store.count(null).block(TIMEOUT)).isZero();
        }
        finally {
            ((Logger) LoggerFactory.getLogger(MVStoreDeadLetterStore.class)).detachAppender(logs);
        }
        assertThat(logs.list).singleElement().satisfies((log) -> {
            assertThat(log.getLevel()).isEqualTo(Level.WARN);
            assertThat(log.getFormattedMessage()).startsWith("The dead-letter file is empty")
                    .contains("file=" + file);
        });
    }

    @Test
    void leavesDirectoryInPlace() throws IOException {
        Path directory = Files.createDirectories(this.folder.resolve("data"));
        Files.writeString(directory.resolve("kept.txt"), "kept");

        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(directory)) {
            assertThatThrownBy(() -> store.count(null).block(TIMEOUT))
                    .hasMessageContaining("is a directory");
        }
        assertThat(directory.resolve("kept.txt")).hasContent("kept");
        assertThat(movedAside(directory)).isEmpty();
    }

    @Test
    void listsOneDestinationPageByPage() {
        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.inMemory()) {
            store.add(List.of(letter("amplitude", "a0"), letter("file", "f0"), letter("amplitude", "a1"),
                    letter("amplitude", "a2"))).block(TIMEOUT);

            List<StoredDeadLetter> first = store.list(DestinationId.of("amplitude"), 0, 2).block(TIMEOUT);
            List<StoredDeadLetter> second = store.list(DestinationId.of("amplitude"), first.get(1).id(), 2)
                    .block(TIMEOUT);

            assertThat(first).extracting((stored) -> stored.deadLetter().event().insertId().orElseThrow())
                    .containsExactly("a0", "a1");
            assertThat(second).extracting((stored) -> stored.deadLetter().event().insertId().orElseThrow())
                    .containsExactly("a2");
        }
    }

    @Test
    void neverReusesIdsOfRemovedLetters() {
        Path file = this.folder.resolve("dead-letters.mv");
        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(file)) {
            store.add(List.of(letter("amplitude", "a0"), letter("amplitude", "a1"))).block(TIMEOUT);
            store.remove(List.of(1L, 2L)).block(TIMEOUT);
            store.add(List.of(letter("amplitude", "a2"))).block(TIMEOUT);
            store.remove(List.of(3L)).block(TIMEOUT);
        }

        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.open(file)) {
            store.add(List.of(letter("amplitude", "a3"))).block(TIMEOUT);

            assertThat(store.list(null, 0, 10).block(TIMEOUT)).extracting(StoredDeadLetter::id).containsExactly(4L);
        }
    }

    @Test
    void forgetsRemovedLetters() {
        try (MVStoreDeadLetterStore store = MVStoreDeadLetterStore.inMemory()) {
            store.add(List.of(letter("amplitude", "a0"), letter("amplitude", "a1"))).block(TIMEOUT);
            long first = store.list(null, 0, 1).block(TIMEOUT).get(0).id();

            store.remove(List.of(first)).block(TIMEOUT);

            assertThat(store.count(null).block(TIMEOUT)).isEqualTo(1);
            assertThat(store.get(List.of(first)).block(TIMEOUT)).isEmpty();
        }
    }

}

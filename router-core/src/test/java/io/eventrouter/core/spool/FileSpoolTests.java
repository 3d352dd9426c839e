package io.eventrouter.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.SourceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class FileSpoolTests {

    private static final DestinationId AMPLITUDE = DestinationId.of("amplitude");

    private static final DestinationId FILE = DestinationId.of("file");

    private static final SourceId SOURCE = SourceId.of("client-bridge");

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private final List<FileSpool> opened = new ArrayList<>();

    @AfterEach
    void closeSpools() {
        this.opened.forEach(FileSpool::close);
        FailingChannel.failing = false;
    }

    @Test
    void readsAppendedEventsInOrderWithTheirContext() {
        FileSpool spool = open(FileSpool.builder(this.directory));
        Event event = Event.builder("played").context(new RequestContext("key-1234567890", 3))
                .insertId("a").eventProperty("song", "Blue").build();

        spool.append(SOURCE, List.of(event, event("b"))).block(WAIT);

        List<SpooledEvent> read = read(spool, AMPLITUDE, 2);
        assertThat(read).extracting(SpooledEvent::offset).containsExactly(0L, 1L);
        assertThat(read.get(0).event()).isEqualTo(event);
        assertThat(read.get(0).source()).isEqualTo(SOURCE);
    }

    @Test
    void resumesEachDestinationAtItsAcknowledgedPositionAfterReopening() {
        FileSpool first = open(FileSpool.builder(this.directory));
        first.append(SOURCE, events("a", "b", "c")).block(WAIT);
        first.acknowledge(AMPLITUDE, 0);
        first.acknowledge(AMPLITUDE, 1);
        first.close();

        FileSpool second = open(FileSpool.builder(this.directory));

        assertThat(insertIds(read(second, AMPLITUDE, 1))).containsExactly("c");
        assertThat(insertIds(read(second, FILE, 3))).containsExactly("a", "b", "c");
        assertThat(second.backlog(AMPLITUDE)).isEqualTo(1);
    }

    @Test
    void resumesANewSubscriberAtTheFirstUnacknowledgedEvent() {
        FileSpool spool = open(FileSpool.builder(this.directory));
        spool.append(SOURCE, events("a", "b", "c")).block(WAIT);
        read(spool, AMPLITUDE, 3);
        spool.acknowledge(AMPLITUDE, 0);
        spool.acknowledge(AMPLITUDE, 2);

        List<SpooledEvent> resumed = read(spool, AMPLITUDE, 1);

        assertThat(insertIds(resumed)).containsExactly("b");
    }

    @Test
    void keepsEventsAcrossReopeningUnderThePeriodicPolicy() {
        FileSpool first = open(FileSpool.builder(this.directory).syncPolicy(SyncPolicy.PERIODIC)
                .syncInterval(Duration.ofMillis(10)));
        first.append(SOURCE, events("a", "b")).block(WAIT);
        first.close();

        FileSpool second = open(FileSpool.builder(this.directory));

        assertThat(insertIds(read(second, AMPLITUDE, 2))).containsExactly("a", "b");
    }

    @Test
    void continuesOffsetsAfterReopening() {
        FileSpool first = open(FileSpool.builder(this.directory));
        first.append(SOURCE, events("a", "b")).block(WAIT);
        first.close();

        FileSpool second = open(FileSpool.builder(this.directory));
        second.append(SOURCE, events("c")).block(WAIT);

        assertThat(read(second, AMPLITUDE, 3)).extracting(SpooledEvent::offset).containsExactly(0L, 1L, 2L);
    }

    @Test
    void deletesSegmentsOnceEveryDestinationAcknowledgedThem() throws IOException {
        FileSpool spool = open(FileSpool.builder(this.directory).segmentBytes(4096)
                .checkpointInterval(Duration.ofMillis(20)));
        for (int i = 0; i < 100; i++) {
            spool.append(SOURCE, events("event-" + i)).block(WAIT);
        }
        long segments = segmentFiles().size();

        for (long offset = 0; offset < 100; offset++) {
            spool.acknowledge(AMPLITUDE, offset);
            spool.acknowledge(FILE, offset);
        }

        assertThat(segments).isGreaterThan(3);
        await().atMost(WAIT).until(() -> segmentFiles().size() == 1);
    }

    @Test
    void keepsSegmentsThatOneDestinationHasNotAcknowledged() throws IOException {
        FileSpool spool = open(FileSpool.builder(this.directory).segmentBytes(4096)
                .checkpointInterval(Duration.ofMillis(20)));
        for (int i = 0; i < 100; i++) {
            spool.append(SOURCE, events("event-" + i)).block(WAIT);
        }
        for (long offset = 0; offset < 100; offset++) {
            spool.acknowledge(AMPLITUDE, offset);
        }
        spool.close();

        FileSpool reopened = open(FileSpool.builder(this.directory));

        assertThat(insertIds(read(reopened, FILE, 100))).hasSize(100).startsWith("event-0").endsWith("event-99");
        assertThat(reopened.backlog(AMPLITUDE)).isZero();
    }

    @Test
    void dropsTornRecordAtTheTailWithAWarning() throws IOException {
        FileSpool first = open(FileSpool.builder(this.directory));
        first.append(SOURCE, events("a", "b")).block(WAIT);
        first.close();
        Path segment = segmentFiles().get(0);
        byte[] whole = Files.readAllBytes(segment);
        // A record whose header promises more bytes than the crash left behind.
        appendBytes(segment, ByteBuffer.allocate(30).putInt(500).putInt(1234).put((byte) 1).putLong(2).array());
        ListAppender<ILoggingEvent> logs = captureLogs();

        FileSpool second = open(FileSpool.builder(this.directory));
        second.append(SOURCE, events("c")).block(WAIT);

        assertThat(insertIds(read(second, AMPLITUDE, 3))).containsExactly("a", "b", "c");
        assertThat(Files.size(segment)).isGreaterThan(whole.length);
        assertThat(logs.list).anySatisfy((log) -> {
            assertThat(log.getLevel()).isEqualTo(Level.WARN);
            assertThat(log.getFormattedMessage()).startsWith("Dropped a torn record at the tail of the spool");
        });
    }

    @Test
    void cutsTheTailAtARecordWhoseChecksumFails() throws IOException {
        FileSpool first = open(FileSpool.builder(this.directory));
        first.append(SOURCE, events("a")).block(WAIT);
        first.append(SOURCE, events("b")).block(WAIT);
        first.close();
        Path segment = segmentFiles().get(0);
        flipLastByte(segment);

        FileSpool second = open(FileSpool.builder(this.directory));

        assertThat(insertIds(read(second, AMPLITUDE, 1))).containsExactly("a");
        assertThat(second.backlog(AMPLITUDE)).isEqualTo(1);
    }

    @Test
    void neverReadsDamagedBytesOfAnOlderSegmentAsAnEvent() throws IOException {
        FileSpool first = open(FileSpool.builder(this.directory).segmentBytes(4096));
        for (int i = 0; i < 60; i++) {
            first.append(SOURCE, events("event-" + i)).block(WAIT);
        }
        first.close();
        flipLastByte(segmentFiles().get(0));

        FileSpool second = open(FileSpool.builder(this.directory));
        List<SpooledEvent> read = second.read(AMPLITUDE)
                .takeUntil((spooled) -> spooled.offset() == 59)
                .collectList()
                .block(WAIT);
        read.forEach((spooled) -> second.acknowledge(AMPLITUDE, spooled.offset()));

        String lastOfFirstSegment = "event-" + (firstOffsetOf(segmentFiles().get(1)) - 1);
        assertThat(insertIds(read)).hasSize(59).doesNotContain(lastOfFirstSegment).contains("event-0", "event-59");
        assertThat(second.backlog(AMPLITUDE)).isZero();
    }

    @Test
    void rejectsAppendsBeyondTheMaximumSize() {
        FileSpool spool = open(FileSpool.builder(this.directory).maxBytes(1024 * 1024));
        List<Event> large = IntStream.range(0, 100).mapToObj((i) -> padded("event-" + i, 2000)).toList();
        spool.append(SOURCE, large).block(WAIT);
        spool.append(SOURCE, large).block(WAIT);
        spool.append(SOURCE, large).block(WAIT);
        spool.append(SOURCE, large).block(WAIT);

        assertThatThrownBy(() -> spool.append(SOURCE, large).block(WAIT))
                .isInstanceOfSatisfying(AcceptanceException.class, (ex) -> {
                    assertThat(ex.reason()).isEqualTo(AcceptanceException.Reason.SPOOL_FULL);
                    assertThat(ex.retryAfter()).isPositive();
                });
        assertThat(spool.backlog(AMPLITUDE)).isEqualTo(400);
    }

    @Test
    void answersSpoolFullWhenTheDiskIsFullAndLeavesNoPartialRecord() throws IOException {
        FileSpool spool = open(FileSpool.builder(this.directory)
                .channelOpener((path) -> new FailingChannel(FileChannel.open(path, StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE))));
        spool.append(SOURCE, events("a")).block(WAIT);

        FailingChannel.failing = true;
        Mono<Void> failed = spool.append(SOURCE, events("lost-1", "lost-2"));

        assertThatThrownBy(() -> failed.block(WAIT)).isInstanceOfSatisfying(AcceptanceException.class,
                (ex) -> assertThat(ex.reason()).isEqualTo(AcceptanceException.Reason.SPOOL_FULL));
        FailingChannel.failing = false;
        spool.append(SOURCE, events("b")).block(WAIT);
        spool.close();
        FileSpool reopened = open(FileSpool.builder(this.directory));
        assertThat(insertIds(read(reopened, AMPLITUDE, 2))).containsExactly("a", "b");
        assertThat(reopened.backlog(AMPLITUDE)).isEqualTo(2);
    }

    @Test
    void sharesOneSyncAmongAppendsThatArriveTogether() {
        FileSpool spool = open(FileSpool.builder(this.directory).syncPolicy(SyncPolicy.ALWAYS));
        long before = spool.syncCount();

        Flux.range(0, 200)
                .flatMap((i) -> spool.append(SOURCE, events("event-" + i)), 200)
                .blockLast(WAIT);

        assertThat(spool.backlog(AMPLITUDE)).isEqualTo(200);
        assertThat(spool.syncCount() - before).isLessThan(200);
    }

    @Test
    void failsAppendsAfterClose() {
        FileSpool spool = open(FileSpool.builder(this.directory));
        spool.close();

        assertThatThrownBy(() -> spool.append(SOURCE, events("a")).block(WAIT))
                .isInstanceOfSatisfying(AcceptanceException.class,
                        (ex) -> assertThat(ex.reason()).isEqualTo(AcceptanceException.Reason.NOT_RUNNING));
    }

    @Test
    void refusesADirectoryHoldingFilesOfAnotherFormat() throws IOException {
        Files.write(this.directory.resolve(String.format("%020d.log", 0)), new byte[64]);

        assertThatThrownBy(() -> FileSpool.builder(this.directory).destinations(List.of(AMPLITUDE)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not a spool segment");
    }

    @Test
    void refusesADirectoryAnotherSpoolHasOpen() {
        open(FileSpool.builder(this.directory));

        assertThatThrownBy(() -> FileSpool.builder(this.directory).destinations(List.of(AMPLITUDE)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is in use by another process");
    }

    private FileSpool open(FileSpool.Builder builder) {
        FileSpool spool = builder.destinations(List.of(AMPLITUDE, FILE)).build();
        this.opened.add(spool);
        return spool;
    }

    private static List<SpooledEvent> read(Spool spool, DestinationId destination, int count) {
        return spool.read(destination).take(count).collectList().block(WAIT);
    }

    private static List<String> insertIds(List<SpooledEvent> events) {
        return events.stream().map((spooled) -> spooled.event().insertId().orElseThrow()).toList();
    }

    private static List<Event> events(String... insertIds) {
        return Stream.of(insertIds).map(FileSpoolTests::event).toList();
    }

    private static Event event(String insertId) {
        return Event.builder("played").apiKey("key-1234567890").deviceId("device-1").insertId(insertId).build();
    }

    private static Event padded(String insertId, int bytes) {
        return Event.builder("played").apiKey("key-1234567890").insertId(insertId)
                .eventProperty("padding", "x".repeat(bytes)).build();
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(this.directory)) {
            return files.filter((file) -> file.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private static long firstOffsetOf(Path segment) {
        return Long.parseLong(segment.getFileName().toString().replace(".log", ""));
    }

    private static void appendBytes(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    private static void flipLastByte(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 2] ^= 0x5A;
        Files.write(file, bytes);
    }

    private static ListAppender<ILoggingEvent> captureLogs() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(SpoolRecovery.class)).addAppender(appender);
        return appender;
    }

}

package io.eventrouter.core.file;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

import io.eventrouter.core.amplitude.IdentifyApi;
import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class JsonLinesFileDestinationTests {

    @TempDir
    Path folder;

    @Test
    void appendsOneLinePerEventAcrossReopen() throws Exception {
        Path file = this.folder.resolve("nested/events.jsonl");
        RequestContext context = RequestContext.of("key-12345");

        try (JsonLinesFileDestination destination = new JsonLinesFileDestination(DestinationId.of("file"), file)) {
            destination.deliver(delivery(context, "first", "second")).block(Duration.ofSeconds(5));
        }
        try (JsonLinesFileDestination destination = new JsonLinesFileDestination(DestinationId.of("file"), file)) {
            destination.deliver(delivery(context, "third")).block(Duration.ofSeconds(5));
        }

        assertThat(Files.readAllLines(file)).containsExactly(
                "{\"event_type\":\"first\",\"user_id\":\"user-1\"}",
                "{\"event_type\":\"second\",\"user_id\":\"user-1\"}",
                "{\"event_type\":\"third\",\"user_id\":\"user-1\"}");
    }

    @Test
    void keepsWritingAfterCancelledDelivery() throws Exception {
        Path file = this.folder.resolve("events.jsonl");
        RequestContext context = RequestContext.of("key-12345");

        try (JsonLinesFileDestination destination = new JsonLinesFileDestination(DestinationId.of("file"), file)) {
            destination.deliver(delivery(context, "cancelled")).subscribe().dispose();
            destination.deliver(delivery(context, "after")).block(Duration.ofSeconds(5));
        }

        assertThat(Files.readAllLines(file)).endsWith("{\"event_type\":\"after\",\"user_id\":\"user-1\"}");
    }

    @Test
    void leavesOutIdentifyApiMarker() throws Exception {
        Path file = this.folder.resolve("events.jsonl");
        RequestContext context = RequestContext.of("key-12345");
        Event identify = Event.builder("$identify").context(context).userId("user-1")
                .field(IdentifyApi.MARKER_FIELD, "identify").build();

        openAndDeliver(file, identify);

        assertThat(Files.readAllLines(file)).containsExactly("{\"event_type\":\"$identify\",\"user_id\":\"user-1\"}");
    }

    /** Opens the file as a new destination would after a restart, delivers the events in one batch, and closes it. */
    private static void openAndDeliver(Path file, Event... events) throws Exception {
        try (JsonLinesFileDestination destination = new JsonLinesFileDestination(DestinationId.of("file"), file)) {
            destination.deliver(new Delivery(events[0].context(), List.of(events), 1)).block(Duration.ofSeconds(5));
        }
    }

    private static Delivery delivery(RequestContext context, String... eventTypes) {
        List<Event> events = List.of(eventTypes).stream()
                .map((type) -> Event.builder(type).context(context).userId("user-1").build())
                .toList();
        return new Delivery(context, events, 1);
    }

    @Test
    void skipsEventsAlreadyInFileAfterReopen() throws Exception {
        Path file = this.folder.resolve("events.jsonl");
        RequestContext context = RequestContext.of("key-12345");
        Event first = Event.builder("first").context(context).insertId("insert-1").build();
        Event second = Event.builder("second").context(context).insertId("insert-2").build();

        openAndDeliver(file, first);
        openAndDeliver(file, first, second);

        assertThat(Files.readAllLines(file)).containsExactly(
                "{\"event_type\":\"first\",\"insert_id\":\"insert-1\"}",
                "{\"event_type\":\"second\",\"insert_id\":\"insert-2\"}");
    }

    @Test
    void dropsPartialLastLineOnOpen() throws Exception {
        Path file = this.folder.resolve("events.jsonl");
        RequestContext context = RequestContext.of("key-12345");
        Files.writeString(file, "{\"event_type\":\"kept\",\"insert_id\":\"insert-1\"}\n{\"event_type\":\"cut");
        Event cut = Event.builder("cut").context(context).insertId("insert-2").build();

        openAndDeliver(file, cut);

        assertThat(Files.readAllLines(file)).containsExactly(
                "{\"event_type\":\"kept\",\"insert_id\":\"insert-1\"}",
                "{\"event_type\":\"cut\",\"insert_id\":\"insert-2\"}");
    }

    @Test
    void rejectsSecondDestinationWhileFileIsOpen() throws Exception {
        Path file = this.folder.resolve("events.jsonl");
        RequestContext context = RequestContext.of("key-12345");
        DestinationId id = DestinationId.of("file");

        try (JsonLinesFileDestination first = new JsonLinesFileDestination(id, file)) {
            first.deliver(delivery(context, "first")).block(Duration.ofSeconds(5));
            // The start of a line the first destination is still writing, which the second must not truncate.
            Files.writeString(file, "{\"event_type\":\"half", StandardOpenOption.APPEND);

            Throwable failure = catchThrowable(() -> new JsonLinesFileDestination(id, file).close());

            assertThat(failure).isInstanceOf(EventFileInUseException.class)
                    .hasMessage("The event file " + file.toAbsolutePath() + " is in use by another process");
            assertThat(((EventFileInUseException) failure).path()).isEqualTo(file.toAbsolutePath());
            assertThat(Files.readString(file)).endsWith("\n{\"event_type\":\"half");
        }
        try (JsonLinesFileDestination second = new JsonLinesFileDestination(id, file)) {
            second.deliver(delivery(context, "second")).block(Duration.ofSeconds(5));
        }

        assertThat(Files.readAllLines(file)).containsExactly(
                "{\"event_type\":\"first\",\"user_id\":\"user-1\"}",
                "{\"event_type\":\"second\",\"user_id\":\"user-1\"}");
    }

    @Test
    void rejectsSecondDestinationThroughLink() throws Exception {
        Path file = this.folder.resolve("events.jsonl");
        Path link = Files.createSymbolicLink(this.folder.resolve("link.jsonl"), file.getFileName());
        DestinationId id = DestinationId.of("file");

        try (JsonLinesFileDestination first = new JsonLinesFileDestination(id, file)) {
            Throwable failure = catchThrowable(() -> new JsonLinesFileDestination(id, link).close());

            assertThat(failure).isInstanceOf(EventFileInUseException.class);
        }
    }

    @Test
    void keepsCompleteLastLineWithoutNewline() throws Exception {
        Path file = this.folder.resolve("events.jsonl");
        RequestContext context = RequestContext.of("key-12345");
        Files.writeString(file, "{\"event_type\":\"kept\",\"insert_id\":\"insert-1\"}");
        Event alreadyWritten = Event.builder("kept").context(context).insertId("insert-1").build();
        Event next = Event.builder("next").context(context).insertId("insert-2").build();

        openAndDeliver(file, alreadyWritten, next);

        assertThat(Files.readAllLines(file)).containsExactly(
                "{\"event_type\":\"kept\",\"insert_id\":\"insert-1\"}",
                "{\"event_type\":\"next\",\"insert_id\":\"insert-2\"}");
    }

    @Test
    void dropsIncompleteLineLongerThanTail() throws Exception {
        Path file = this.folder.resolve("events.jsonl");
        RequestContext context = RequestContext.of("key-12345");
        Files.writeString(file, "{\"event_type\":\"kept\"}\n{\"event_type\":\"cut\",\"p\":\""
                + "a".repeat(17 * 1024 * 1024));
        Event next = Event.builder("next").context(context).insertId("insert-2").build();

        openAndDeliver(file, next);

        assertThat(Files.readAllLines(file)).containsExactly("{\"event_type\":\"kept\"}",
                "{\"event_type\":\"next\",\"insert_id\":\"insert-2\"}");
    }

    @Test
    void remembersOnlyLastLines() throws Exception {
        Path file = this.folder.resolve("events.jsonl");
        RequestContext context = RequestContext.of("key-12345");
        int total = JsonLinesFileDestination.REMEMBERED_LINES + 10;
        StringBuilder lines = new StringBuilder();
        for (int line = 0; line < total; line++) {
            lines.append("{\"event_type\":\"old\",\"insert_id\":\"insert-").append(line).append("\"}\n");
        }
        Files.writeString(file, lines);
        Event forgotten = Event.builder("again").context(context).insertId("insert-5").build();
        Event remembered = Event.builder("again").context(context).insertId("insert-" + (total - 1)).build();

        openAndDeliver(file, forgotten, remembered);

        List<String> written = Files.readAllLines(file);
        assertThat(written).hasSize(total + 1);
        assertThat(written.get(total)).isEqualTo("{\"event_type\":\"again\",\"insert_id\":\"insert-5\"}");
    }

}

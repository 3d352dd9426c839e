package io.eventrouter.core.file;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.eventrouter.core.amplitude.IdentifyApi;
import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Appends each event as one line of JSON to a local file, in Amplitude's event shape without the
 * API key. It needs no external service, which makes it the router's default destination.
 *
 * <p>A batch is written with one {@code write} and forced to the storage device before the
 * delivery completes, so a delivered event survives a crash. Writes block, so they run on a
 * thread of this destination's own. Cancelling a delivery does not interrupt a write in progress:
 * an interrupt would close the channel and end every later write.
 *
 * <p>After a crash the pipeline delivers again the events whose delivery it had not recorded
 * yet. To keep them from appearing twice, opening the file truncates a partial last line and
 * remembers the insert ids of the last {@value #REMEMBERED_LINES} lines; a delivered event with
 * one of those ids is not written again.
 */
public final class JsonLinesFileDestination implements Destination, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(JsonLinesFileDestination.class);

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** Lines read back on open: an estimate of the most events delivered between two checkpoints 1 s apart. */
    static final int REMEMBERED_LINES = 20_000;

    /** The maximum bytes read back on open, so that a file of long lines does not stall the start. */
    private static final int MAX_TAIL_BYTES = 16 * 1024 * 1024;

    private final DestinationId id;

    private final Path path;

    private final FileChannel channel;

    private final ExecutorService writer;

    /** Insert ids of the lines found on open, read on the writer thread. */
    private final Set<String> foundOnOpen;

    /**
     * Opens {@code path} for appending, creating it and its parent folders when missing.
     *
     * @throws UncheckedIOException when the file cannot be opened
     */
    public JsonLinesFileDestination(DestinationId id, Path path) {
        this.id = Objects.requireNonNull(id, "id");
        this.path = path.toAbsolutePath();
        this.writer = Executors.newSingleThreadExecutor((task) -> {
            Thread thread = new Thread(task, "router-file-" + id);
            thread.setDaemon(true);
            return thread;
        });
        try {
            Path parent = this.path.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.foundOnOpen = recover(this.path);
            this.channel = FileChannel.open(this.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot open the event file " + this.path + " for appending", ex);
        }
    }

    /**
     * Truncates a partial last line, left by a crash during a write, and returns the insert ids of
     * the last lines. The events of a partial line were not acknowledged, so they come again.
     */
    private static Set<String> recover(Path path) throws IOException {
        Set<String> insertIds = new HashSet<>();
        if (!Files.exists(path)) {
            return insertIds;
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            int length = (int) Math.min(size, MAX_TAIL_BYTES);
            ByteBuffer tail = ByteBuffer.allocate(length);
            while (tail.hasRemaining()) {
                if (channel.read(tail, size - length + tail.position()) < 0) {
                    break;
                }
            }
            byte[] bytes = tail.array();
            int end = length;
            while (end > 0 && bytes[end - 1] != '\n') {
                end--;
            }
            if (end < length && (end > 0 || length == size)) {
                channel.truncate(size - (length - end));
                logger.warn("Dropped a partial line at the end of the event file; its events are delivered again: "
                        + "path={} bytes={}", path, length - end);
            }
            int lines = 0;
            int lineEnd = end;
            while (lineEnd > 0 && lines < REMEMBERED_LINES) {
                int lineStart = lineEnd - 1;
                while (lineStart > 0 && bytes[lineStart - 1] != '\n') {
                    lineStart--;
                }
                // The first line of a tail that starts mid-file may be cut, so it is left out.
                if (lineStart > 0 || length == size) {
                    String insertId = insertId(bytes, lineStart, lineEnd - 1 - lineStart);
                    if (insertId != null) {
                        insertIds.add(insertId);
                    }
                }
                lines++;
                lineEnd = lineStart;
            }
        }
        return insertIds;
    }

    /** Returns the top-level {@code insert_id} of one line, or null when it has none or is not JSON. */
    private static @Nullable String insertId(byte[] bytes, int offset, int length) {
        try (JsonParser parser = MAPPER.createParser(bytes, offset, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (EventField.INSERT_ID.jsonName().equals(name) && value == JsonToken.VALUE_STRING) {
                    return parser.getString();
                }
                parser.skipChildren();
            }
            return null;
        }
        catch (JacksonException ex) {
            return null;
        }
    }

    @Override
    public DestinationId id() {
        return this.id;
    }

    public Path path() {
        return this.path;
    }

    @Override
    public Mono<DeliveryResult> deliver(Delivery delivery) {
        return Mono.fromFuture(() -> CompletableFuture.supplyAsync(() -> write(delivery), this.writer), true);
    }

    private DeliveryResult write(Delivery delivery) {
        ByteBuffer lines = ByteBuffer.wrap(encode(delivery, this.foundOnOpen));
        try {
            while (lines.hasRemaining()) {
                this.channel.write(lines);
            }
            this.channel.force(false);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Writing to the event file " + this.path + " failed", ex);
        }
        return DeliveryResult.delivered(delivery.size());
    }

    private static byte[] encode(Delivery delivery, Set<String> foundOnOpen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * delivery.size());
        for (Event event : delivery.events()) {
            if (!foundOnOpen.isEmpty() && event.insertId().filter(foundOnOpen::contains).isPresent()) {
                continue;
            }
            // The marker only routes an identification to Amplitude's Identify APIs; it is not data.
            Event written = event.has(IdentifyApi.MARKER_FIELD) ? event.without(IdentifyApi.MARKER_FIELD) : event;
            try (JsonGenerator generator = MAPPER.createGenerator(out)) {
                written.writeTo(generator);
            }
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** Lets the write in progress finish, then closes the file. */
    @Override
    public void close() throws IOException {
        this.writer.shutdown();
        try {
            this.writer.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        this.channel.close();
    }

}

package io.eventrouter.core.file;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.eventrouter.core.internal.Directories;
import io.eventrouter.core.amplitude.IdentifyApi;
import io.eventrouter.core.destination.Delivery;
import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.Destination;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.event.Fingerprints;
import io.eventrouter.core.internal.LockFile;
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
 * yet. To keep them from appearing twice, opening the file truncates an incomplete last line and
 * remembers the insert ids of the last {@value #REMEMBERED_LINES} lines, within the last 64 MB; a
 * delivered event with one of those ids is not written again.
 *
 * <p>While open, the destination locks {@code <file>.lock} beside the file, so a second router on
 * the same file fails to open it with {@link EventFileInUseException} instead of truncating a line
 * the first is still writing.
 */
public final class JsonLinesFileDestination implements Destination, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(JsonLinesFileDestination.class);

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /**
     * Lines whose insert ids are read back on open. Delivery since the last checkpoint, 1 s apart
     * by default, stays below it up to 100,000 events a second.
     */
    static final int REMEMBERED_LINES = 100_000;

    /** The maximum bytes read back on open, so that a file of long lines does not stall the start. */
    private static final int MAX_TAIL_BYTES = 64 * 1024 * 1024;

    /** The maximum length of a last line without a newline that is checked for being complete JSON. */
    private static final int MAX_KEPT_LINE_BYTES = 4 * 1024 * 1024;

    /** Bytes read at a time when reading back. */
    private static final int SCAN_CHUNK_BYTES = 64 * 1024;

    private final DestinationId id;

    private final Path path;

    private final FileChannel channel;

    /** Held from the constructor until {@link #close}. */
    private final LockFile lock;

    private final ExecutorService writer;

    /** Sorted fingerprints of the insert ids of the lines found on open, read on the writer thread. */
    private final long[] foundOnOpen;

    /**
     * Opens {@code path} for appending, creating it and its parent folders when missing, and
     * locks it until {@link #close}.
     *
     * @throws EventFileInUseException when another process, or another destination in this one,
     *         has the file open
     * @throws UncheckedIOException when the file cannot be opened
     */
    public JsonLinesFileDestination(DestinationId id, Path path) {
        this.id = Objects.requireNonNull(id, "id");
        this.path = path.toAbsolutePath();
        LockFile locked = null;
        try {
            Path parent = this.path.getParent();
            if (parent != null) {
                Directories.createAndSync(parent);
            }
            locked = LockFile.tryLock(lockPath(this.path)).orElseThrow(() -> new EventFileInUseException(this.path));
            this.foundOnOpen = recover(this.path);
            this.channel = FileChannel.open(this.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            if (parent != null) {
                Directories.sync(parent);
            }
        }
        catch (IOException ex) {
            LockFile.closeAfter(locked, ex);
            throw new UncheckedIOException("Cannot open the event file " + this.path + " for appending", ex);
        }
        catch (RuntimeException ex) {
            LockFile.closeAfter(locked, ex);
            throw ex;
        }
        this.lock = locked;
        this.writer = Executors.newSingleThreadExecutor((task) -> {
            Thread thread = new Thread(task, "router-file-" + id);
            thread.setDaemon(true);
            return thread;
        });
    }


    /**
     * Returns the lock file of the event file at {@code path}, beside the file that links lead to,
     * so that a second destination reaching the same file through a link finds the lock taken.
     */
    private static Path lockPath(Path path) throws IOException {
        Path target = Files.exists(path) ? path.toRealPath() : path;
        return target.resolveSibling(target.getFileName() + ".lock");
    }

    /**
     * Ends the file with a whole line and returns the fingerprints of its last lines' insert ids.
     * A last line without a newline gets one when it is complete JSON. Otherwise a crash cut it
     * during a write that was never acknowledged, so it is truncated.
     */
    private static long[] recover(Path path) throws IOException {
        if (!Files.exists(path)) {
            return new long[0];
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            long lineStart = lastNewline(channel, size) + 1;
            if (lineStart < size) {
                if (size - lineStart <= MAX_KEPT_LINE_BYTES
                        && isJson(read(channel, lineStart, (int) (size - lineStart)))) {
                    channel.write(ByteBuffer.wrap(new byte[] { '\n' }), size);
                    size++;
                }
                else {
                    channel.truncate(lineStart);
                    logger.warn("Dropped an incomplete line at the end of the event file, left by a crash during a "
                            + "write: path={} bytes={}", path, size - lineStart);
                    size = lineStart;
                }
            }
            return recentInsertIds(channel, size);
        }
    }

    /**
     * Returns the sorted fingerprints of the insert ids of the last {@value #REMEMBERED_LINES} lines
     * within the last {@value #MAX_TAIL_BYTES} bytes, reading forward in chunks.
     */
    private static long[] recentInsertIds(FileChannel channel, long size) throws IOException {
        long from = Math.max(0, size - MAX_TAIL_BYTES);
        long[] ring = new long[REMEMBERED_LINES];
        long found = 0;
        // A tail that starts mid-file starts with a cut line, which is left out.
        boolean cut = from > 0;
        ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
        ByteBuffer chunk = ByteBuffer.allocate(SCAN_CHUNK_BYTES);

        long position = from;
        while (position < size) {
            chunk.clear();
            int read = channel.read(chunk, position);
            if (read < 0) {
                break;
            }
            position += read;
            byte[] bytes = chunk.array();
            int start = 0;
            for (int i = 0; i < read; i++) {
                if (bytes[i] == '\n') {
                    line.write(bytes, start, i - start);
                    String insertId = cut ? null : insertId(line.toByteArray());
                    if (insertId != null) {
                        ring[(int) (found++ % REMEMBERED_LINES)] = Fingerprints.of(insertId);
                    }
                    cut = false;
                    line.reset();
                    start = i + 1;
                }
            }
            line.write(bytes, start, read - start);
        }

        long[] fingerprints = (found >= REMEMBERED_LINES) ? ring : Arrays.copyOf(ring, (int) found);
        Arrays.sort(fingerprints);
        return fingerprints;
    }

    /** Returns the position of the file's last newline, or -1 when it has none. */
    private static long lastNewline(FileChannel channel, long size) throws IOException {
        long end = size;
        while (end > 0) {
            int length = (int) Math.min(end, SCAN_CHUNK_BYTES);
            byte[] chunk = read(channel, end - length, length);
            for (int i = length - 1; i >= 0; i--) {
                if (chunk[i] == '\n') {
                    return end - length + i;
                }
            }
            end -= length;
        }
        return -1;
    }

    private static byte[] read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("The event file ended before position " + (position + length));
            }
        }
        return buffer.array();
    }

    /** Returns whether {@code bytes} hold exactly one complete JSON object. */
    private static boolean isJson(byte[] bytes) {
        try (JsonParser parser = MAPPER.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        }
        catch (JacksonException ex) {
            return false;
        }
    }

    /** Returns the top-level {@code insert_id} of one line, or null when it has none or is not JSON. */
    private static @Nullable String insertId(byte[] line) {
        try (JsonParser parser = MAPPER.createParser(line)) {
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

    private static byte[] encode(Delivery delivery, long[] foundOnOpen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * delivery.size());
        for (Event event : delivery.events()) {
            if (foundOnOpen.length > 0 && event.insertId()
                    .filter((insertId) -> Arrays.binarySearch(foundOnOpen, Fingerprints.of(insertId)) >= 0).isPresent()) {
                continue;
            }
            // The marker only routes an identification to Amplitude's Identify APIs; it is not data.
            Event written = IdentifyApi.of(event).isPresent() ? event.without(IdentifyApi.MARKER_FIELD) : event;
            try (JsonGenerator generator = MAPPER.createGenerator(out)) {
                written.writeTo(generator);
            }
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** Lets the write in progress finish, then closes the file and releases its lock. */
    @Override
    public void close() throws IOException {
        this.writer.shutdown();
        try {
            this.writer.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        try {
            this.channel.close();
        }
        finally {
            this.lock.close();
        }
    }

}

package io.eventrouter.core.file;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
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
import reactor.core.publisher.Mono;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Appends each event as one line of JSON to a local file, in Amplitude's event shape without the
 * API key. It needs no external service, which makes it the router's default destination.
 *
 * <p>A batch is written with one {@code write} and forced to the storage device before the
 * delivery completes, so a delivered event survives a crash. Writes block, so they run on a
 * thread of this destination's own. Cancelling a delivery does not interrupt a write in progress:
 * an interrupt would close the channel and end every later write.
 */
public final class JsonLinesFileDestination implements Destination, AutoCloseable {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final DestinationId id;

    private final Path path;

    private final FileChannel channel;

    private final ExecutorService writer;

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
            this.channel = FileChannel.open(this.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot open the event file " + this.path + " for appending", ex);
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
        ByteBuffer lines = ByteBuffer.wrap(encode(delivery));
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

    private static byte[] encode(Delivery delivery) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * delivery.size());
        for (Event event : delivery.events()) {
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

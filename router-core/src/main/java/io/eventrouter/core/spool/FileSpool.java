package io.eventrouter.core.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.SourceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A spool in a directory on local disk: a log of segment files that survives a killed process,
 * and with {@link SyncPolicy#ALWAYS} a power loss, plus a small file of each destination's
 * acknowledged position.
 *
 * <p>Design: one writer thread ({@link SpoolWriter}) owns every file write. Appends are encoded
 * on the caller's thread and queued; each writer cycle takes every queued append, writes them,
 * forces the log once if the policy requires it, and only then completes them. So appends that
 * arrive together share one sync (group commit). Each destination reads through its own
 * {@link SpoolCursor} with positional reads and never sees bytes past the last completed cycle.
 * Each record carries a format version and a CRC-32C (see {@link SpoolRecords}). On open, a torn
 * record at the tail of the newest segment is cut off with a warning ({@link SpoolRecovery}).
 *
 * <p>Acknowledgements are kept on the heap and persisted by a checkpoint every
 * {@code checkpointInterval}. After a crash a destination resumes at its last persisted
 * watermark, so it may receive events it had already acknowledged again, but never misses one.
 * The checkpoint also deletes segments that every destination has acknowledged. When the log
 * would grow past {@code maxBytes}, or a write fails, for instance because the disk is full,
 * the append fails with {@link AcceptanceException.Reason#SPOOL_FULL} and the file is cut back to
 * its last whole record.
 */
public final class FileSpool implements Spool {

    private static final Logger logger = LoggerFactory.getLogger(FileSpool.class);

    private final Path directory;

    /** Held while the spool is open, so that a second router cannot write the same files. */
    private final FileChannel directoryLock;

    private final SegmentIndex index;

    private final Map<DestinationId, SpoolCursor> cursors = new LinkedHashMap<>();

    private final Scheduler readers;

    private final SpoolWriter writer;

    private final Thread writerThread;

    private volatile boolean closed;

    private FileSpool(Builder builder) throws IOException {
        this.directory = builder.directory.toAbsolutePath();
        Files.createDirectories(this.directory);
        this.directoryLock = lockDirectory(this.directory);
        try {
            SpoolRecovery.RecoveredLog log = SpoolRecovery.recover(this.directory, builder.opener);
            CursorStore cursorStore = new CursorStore(this.directory);
            Map<DestinationId, Long> persisted = cursorStore.read();
            // A tail lost to a power loss under a relaxed sync policy must not hand out offsets
            // that a destination has already acknowledged.
            long highest = persisted.values().stream().mapToLong(Long::longValue).max().orElse(0);
            long nextOffset = Math.max(log.endOffset(), highest);
            this.index = new SegmentIndex(log.segments(), nextOffset);
            long oldest = this.index.firstOffset().orElse(nextOffset);
            this.readers = Schedulers.newParallel("spool-reader", Math.min(4, builder.destinations.size()), true);
            for (DestinationId destination : builder.destinations) {
                long watermark = Math.max(oldest, Math.min(persisted.getOrDefault(destination, oldest), nextOffset));
                this.cursors.put(destination,
                        new SpoolCursor(destination, watermark, this.index, this.readers.createWorker()));
            }
            this.writer = new SpoolWriter(builder.settings(this.directory), log, nextOffset, this.index,
                    List.copyOf(this.cursors.values()), cursorStore);
            logger.info("Spool opened: path={} segments={} bytes={} next_offset={}", this.directory,
                    this.index.size(), log.totalBytes(), nextOffset);
        }
        catch (IOException | RuntimeException ex) {
            this.directoryLock.close();
            throw ex;
        }
        this.writerThread = new Thread(this.writer, "spool-writer");
        this.writerThread.setDaemon(true);
        this.writerThread.start();
    }

    /** Starts building a spool that keeps its files in {@code directory}. */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    private static FileChannel lockDirectory(Path directory) throws IOException {
        FileChannel channel = FileChannel.open(directory.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        boolean locked;
        try {
            locked = channel.tryLock() != null;
        }
        catch (OverlappingFileLockException ex) {
            locked = false;
        }
        if (!locked) {
            channel.close();
            throw new IllegalStateException("The spool directory " + directory + " is in use by another "
                    + "process: give each router its own router.spool.path");
        }
        return channel;
    }

    static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
        catch (IOException ex) {
            // Some platforms cannot open a directory as a channel; their file systems order this themselves.
            logger.debug("Cannot force the spool directory: {}", ex.toString());
        }
    }

    @Override
    public Mono<Void> append(SourceId source, List<Event> events) {
        return Mono.defer(() -> {
            if (events.isEmpty()) {
                return Mono.empty();
            }
            List<byte[]> payloads = new ArrayList<>(events.size());
            for (Event event : events) {
                payloads.add(SpoolRecords.encodePayload(source, event));
            }
            // The writer thread completes the append; hopping off it keeps the caller's follow-up
            // work, such as responding to the request and encoding the next submission, out of the
            // writer's cycle.
            return Mono.<Void>create((sink) -> this.writer.enqueue(payloads, sink))
                    .publishOn(Schedulers.parallel());
        });
    }

    @Override
    public Flux<SpooledEvent> read(DestinationId destination) {
        return cursor(destination).read();
    }

    @Override
    public void acknowledge(DestinationId destination, long offset) {
        SpoolCursor cursor = cursor(destination);
        if (offset >= this.index.committedOffset()) {
            throw new IllegalArgumentException("Offset " + offset + " was never appended");
        }
        cursor.acknowledge(offset);
    }

    @Override
    public long backlog(DestinationId destination) {
        return this.index.committedOffset() - cursor(destination).watermark();
    }

    /** Returns the bytes the log's segment files take on disk. */
    public long size() {
        return this.index.bytes();
    }

    /** Returns how many times the log was forced to disk; one sync covers every append of a cycle. */
    long syncCount() {
        return this.writer.syncCount();
    }

    /**
     * Stops the writer after it has written every queued append, persists the destinations'
     * positions and closes the files. Later appends fail with
     * {@link AcceptanceException.Reason#NOT_RUNNING}.
     */
    @Override
    public synchronized void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        this.writer.stop();
        try {
            this.writerThread.join(TimeUnit.SECONDS.toMillis(30));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        this.cursors.values().forEach(SpoolCursor::close);
        this.readers.dispose();
        try {
            this.directoryLock.close();
        }
        catch (IOException ex) {
            logger.debug("Releasing the spool directory lock failed: {}", ex.toString());
        }
        logger.info("Spool closed: path={}", this.directory);
    }

    private SpoolCursor cursor(DestinationId destination) {
        SpoolCursor cursor = this.cursors.get(destination);
        if (cursor == null) {
            throw new IllegalArgumentException("Destination '" + destination
                    + "' is not registered with this spool; registered: " + this.cursors.keySet());
        }
        return cursor;
    }

    /** Opens a segment file for the writer; tests swap it to simulate a full disk. */
    @FunctionalInterface
    interface ChannelOpener {

        FileChannel open(Path path) throws IOException;

    }

    /** Settings of a file spool; {@link #build()} opens it and recovers what an earlier run left. */
    public static final class Builder {

        private final Path directory;

        private final List<DestinationId> destinations = new ArrayList<>();

        private long maxBytes = 1024L * 1024 * 1024;

        private long segmentBytes;

        private SyncPolicy syncPolicy = SyncPolicy.ALWAYS;

        private Duration syncInterval = Duration.ofSeconds(1);

        private Duration checkpointInterval = Duration.ofSeconds(1);

        private ChannelOpener opener = (path) -> FileChannel.open(path, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** Registers the destinations that read the spool, each with its own cursor. */
        public Builder destinations(Collection<DestinationId> destinations) {
            this.destinations.addAll(destinations);
            return this;
        }

        /** Sets the most bytes the log may take; appends beyond it fail with SPOOL_FULL. */
        public Builder maxBytes(long maxBytes) {
            if (maxBytes < 1024 * 1024) {
                throw new IllegalArgumentException("maxBytes must be at least 1 MB, but was " + maxBytes);
            }
            this.maxBytes = maxBytes;
            return this;
        }

        /**
         * Sets the size at which the writer starts a new segment file. Space is reclaimed one
         * segment at a time, so it should be well below {@code maxBytes}; by default it is an
         * eighth of it, between 64 KB and 64 MB.
         */
        public Builder segmentBytes(long segmentBytes) {
            if (segmentBytes < 4096) {
                throw new IllegalArgumentException("segmentBytes must be at least 4096, but was " + segmentBytes);
            }
            this.segmentBytes = segmentBytes;
            return this;
        }

        public Builder syncPolicy(SyncPolicy syncPolicy) {
            this.syncPolicy = Objects.requireNonNull(syncPolicy, "syncPolicy");
            return this;
        }

        /** Sets how often {@link SyncPolicy#PERIODIC} forces the log to disk. */
        public Builder syncInterval(Duration syncInterval) {
            this.syncInterval = requirePositive(syncInterval, "syncInterval");
            return this;
        }

        /**
         * Sets how often the destinations' positions are persisted and acknowledged segments
         * deleted. After a crash, a destination may receive again what it acknowledged during the
         * last interval.
         */
        public Builder checkpointInterval(Duration checkpointInterval) {
            this.checkpointInterval = requirePositive(checkpointInterval, "checkpointInterval");
            return this;
        }

        SpoolWriter.Settings settings(Path absoluteDirectory) {
            long segments = (this.segmentBytes > 0) ? this.segmentBytes
                    : Math.max(64 * 1024, Math.min(64L * 1024 * 1024, this.maxBytes / 8));
            return new SpoolWriter.Settings(absoluteDirectory, this.maxBytes, segments, this.syncPolicy,
                    this.syncInterval, this.checkpointInterval, this.opener);
        }

        Builder channelOpener(ChannelOpener opener) {
            this.opener = Objects.requireNonNull(opener, "opener");
            return this;
        }

        /**
         * Opens the spool, creating its directory when missing and recovering the files an
         * earlier run left.
         *
         * @throws UncheckedIOException when the directory or its files cannot be read or written
         * @throws IllegalStateException when the directory holds files of another format
         */
        public FileSpool build() {
            if (this.destinations.isEmpty()) {
                throw new IllegalStateException("A spool needs at least one destination");
            }
            if (this.destinations.stream().distinct().count() != this.destinations.size()) {
                throw new IllegalStateException("Each destination id must be unique, but got " + this.destinations);
            }
            try {
                return new FileSpool(this);
            }
            catch (IOException ex) {
                throw new UncheckedIOException("Cannot open the spool in " + this.directory, ex);
            }
        }

        private static Duration requirePositive(Duration duration, String name) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, but was " + duration);
            }
            return duration;
        }

    }

}

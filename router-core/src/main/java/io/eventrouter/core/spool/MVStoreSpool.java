package io.eventrouter.core.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import io.eventrouter.core.internal.Directories;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.SourceId;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStoreException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The durable spool: one H2 MVStore file in a directory on local disk. It survives a killed
 * process, and with {@link SyncPolicy#ALWAYS} a power loss.
 *
 * <p>Layout ({@link SpoolFile}): the records map contains each event under its offset, framed with a
 * format version and a CRC-32C ({@link SpoolRecords}); the positions map contains each destination's
 * first unacknowledged offset as of the last checkpoint.
 *
 * <p>Threading: one writer thread ({@link SpoolCommitter}) makes every change. Appends are encoded
 * on the caller's thread and queued; each writer cycle puts every queued append, commits once,
 * syncs once if the policy requires it, and only then completes them, so appends that arrive
 * together share one sync (group commit). Callers never wait for the writer: they get a
 * {@code Mono}. Each destination reads through its own {@link SpoolReader} on a reader thread and
 * never sees an offset past the last commit.
 *
 * <p>Recovery: MVStore opens its file at the last complete commit and drops a chunk torn by a
 * crash. Every append is committed, and synced under {@code ALWAYS}, before it is acknowledged,
 * so nothing acknowledged is lost. Acknowledgements are kept on the heap and persisted by the
 * checkpoint every {@code checkpointInterval}; after a crash a destination may receive again what
 * it acknowledged during the last interval, but never misses an event.
 *
 * <p>Space: the checkpoint deletes records every destination has acknowledged and compacts a
 * step. Appends fail with {@link AcceptanceException.Reason#SPOOL_FULL} when the records would
 * take more than {@code maxBytes}, when the disk has less than {@code diskReserveBytes} free, or
 * when a write fails; after a failed write the writer opens the file again and goes on.
 */
public final class MVStoreSpool implements Spool {

    private static final Logger logger = LoggerFactory.getLogger(MVStoreSpool.class);

    private final Path directory;

    private final Map<DestinationId, SpoolReader> readers = new LinkedHashMap<>();

    private final Scheduler readerScheduler;

    private final SpoolFile file;

    private final SpoolCommitter writer;

    private final Thread writerThread;

    private volatile boolean closed;

    private MVStoreSpool(Builder builder) throws IOException {
        this.directory = builder.directory.toAbsolutePath();
        Directories.createAndSync(this.directory);
        String fileName = builder.fileSystemPrefix + this.directory.resolve(SpoolFile.FILE_NAME);
        this.file = SpoolFile.openOrReplace(fileName, this.directory.resolve(SpoolFile.FILE_NAME),
                builder.retentionMillis(), builder.syncPolicy == SyncPolicy.ALWAYS);
        try {
            long committed = recover(fileName);
            // The file may be new, or a copy moved into place: its name must be as durable as its bytes.
            Directories.sync(this.directory);
            Map<String, Long> persisted = this.file.positions();
            Map<String, byte[]> acknowledged = this.file.acknowledged();
            long oldest = oldestOffset(committed, persisted);
            forgetRemovedDestinations(persisted, builder.destinations, oldest, committed);
            this.readerScheduler = Schedulers.newParallel("spool-reader",
                    Math.min(4, builder.destinations.size()), true);
            List<SpoolReader> created = new ArrayList<>();
            for (DestinationId destination : builder.destinations) {
                long watermark = Math.max(oldest,
                        Math.min(persisted.getOrDefault(destination.value(), oldest), committed));
                // The acknowledged offsets count from the persisted watermark, so they apply only
                // when the reader starts there. Offsets past the last record are dropped, because
                // new records will take them.
                byte[] above = acknowledged.get(destination.value());
                Long persistedWatermark = persisted.get(destination.value());
                boolean startsAtPersisted = above != null && persistedWatermark != null
                        && persistedWatermark == watermark;
                AcknowledgementTracker acknowledgements = startsAtPersisted
                        ? new AcknowledgementTracker(watermark, above, committed)
                        : new AcknowledgementTracker(watermark);
                SpoolReader reader = new SpoolReader(destination, acknowledgements, this.file, this::committedOffset,
                        this.readerScheduler.createWorker());
                this.readers.put(destination, reader);
                created.add(reader);
            }
            FileStore disk = Files.getFileStore(this.directory);
            this.writer = new SpoolCommitter(new SpoolCommitter.Settings(fileName, disk, builder.maxBytes,
                    builder.diskReserveBytes, builder.syncPolicy, builder.syncInterval, builder.checkpointInterval),
                    this.file, committed, List.copyOf(created));
            logger.info("Spool opened: file={} file_bytes={} record_bytes={} next_offset={}", fileName,
                    this.file.fileSize(), this.file.state(SpoolFile.LIVE_BYTES), committed);
        }
        catch (IOException | RuntimeException ex) {
            this.file.closeImmediately();
            throw ex;
        }
        this.writerThread = new Thread(this.writer, "spool-writer");
        this.writerThread.setDaemon(true);
        this.writerThread.start();
    }

    /** Starts building a spool that keeps its file in {@code directory}. */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /**
     * Works out the next offset from what the file contains and warns about what a crash may have
     * taken, then marks the file open so the next start can tell whether this run was closed.
     */
    private long recover(String fileName) {
        MVMap<Long, byte[]> records = this.file.records();
        Long last = records.lastKey();
        // Delivered records are deleted, so the last key alone understates the end once a
        // destination has caught up; the committed next offset covers that.
        long end = Math.max((last != null) ? last + 1 : 0, this.file.state(SpoolFile.NEXT_OFFSET));
        long highest = this.file.positions().values().stream().mapToLong(Long::longValue).max().orElse(0);
        if (this.file.state(SpoolFile.OPEN) != 0) {
            logger.warn("The spool was not closed cleanly, so it resumes at its last complete commit and drops "
                    + "any write the crash tore: file={} next_offset={}", fileName, Math.max(end, highest));
        }
        if (highest > end) {
            // A tail lost to a power loss under a relaxed sync policy must not hand out offsets
            // that a destination has already acknowledged.
            logger.warn("Spooled events lost with the tail of the spool file, their offsets are skipped: file={} "
                    + "events={} first_offset={}", fileName, highest - end, end);
        }
        this.file.putState(SpoolFile.OPEN, 1L);
        this.file.commit(true);
        return Math.max(end, highest);
    }

    /**
     * Warns about each destination the file has a position for but this run does not configure,
     * and removes its position. The checkpoint deletes records once the configured destinations
     * are past them, so the events such a destination had not acknowledged are lost to it. A
     * destination configured again later starts at the oldest record still in the file.
     * Runs before the writer thread starts, and the next commit persists the change.
     */
    private void forgetRemovedDestinations(Map<String, Long> persisted, List<DestinationId> configured, long oldest,
            long committed) {
        Set<String> names = new HashSet<>();
        configured.forEach((destination) -> names.add(destination.value()));
        persisted.forEach((destination, watermark) -> {
            if (names.contains(destination)) {
                return;
            }
            long undelivered = committed - Math.max(oldest, Math.min(watermark, committed));
            if (undelivered > 0) {
                logger.warn("A destination with undelivered events in the spool is not configured, so they will be "
                        + "deleted once the configured destinations have delivered them; to keep them, stop now and "
                        + "configure it again: destination_id={} events_at_most={}", destination, undelivered);
            }
            this.file.removePosition(destination);
        });
    }

    private long oldestOffset(long committed, Map<String, Long> persisted) {
        try {
            Long first = this.file.records().firstKey();
            return (first != null) ? Math.min(first, committed) : committed;
        }
        catch (MVStoreException ex) {
            if (!SpoolFile.isDamage(ex)) {
                throw ex;
            }
            // The first leaf is damaged: start where the slowest destination stood, and the
            // readers skip what they cannot read.
            return Math.min(committed, persisted.values().stream().mapToLong(Long::longValue).min().orElse(0));
        }
    }

    @Override
    public Mono<Void> append(SourceId source, List<Event> events) {
        return Mono.defer(() -> {
            if (events.isEmpty()) {
                return Mono.empty();
            }
            List<byte[]> records = new ArrayList<>(events.size());
            for (Event event : events) {
                records.add(SpoolRecords.encode(source, event));
            }
            // The writer thread completes the append; hopping off it keeps the caller's follow-up
            // work, such as responding to the request and encoding the next submission, out of the
            // writer's cycle.
            return Mono.<Void>create((sink) -> this.writer.enqueue(records, sink))
                    .publishOn(Schedulers.parallel());
        });
    }

    /** Returns true, because a file spool keeps its undelivered events in its file for the next start. */
    @Override
    public boolean keepsEventsAcrossRestarts() {
        return true;
    }

    /**
     * Reads records by offset from the newest down. Live records have consecutive offsets, so
     * the walk reads each one by key and skips one that is damaged, fails its checksum or
     * cannot be decoded, as the destinations' readers do, instead of stopping at the first.
     */
    @Override
    public void forEachNewest(int max, Consumer<Event> action) {
        MVMap<Long, byte[]> records = this.file.records();
        Long newest;
        Long oldest;
        try {
            newest = records.lastKey();
            oldest = records.firstKey();
        }
        catch (MVStoreException ex) {
            if (!SpoolFile.isDamage(ex)) {
                throw ex;
            }
            logger.warn("Cannot find the newest spooled events, because a page is damaged: error={}", ex.getMessage());
            return;
        }
        if (newest == null || oldest == null) {
            return;
        }
        @Nullable RequestContext recent = null;
        int passed = 0;
        int damaged = 0;
        for (long offset = newest; offset >= oldest && passed < max; offset--) {
            byte[] value;
            try {
                value = records.get(offset);
            }
            catch (MVStoreException ex) {
                if (!SpoolFile.isDamage(ex)) {
                    throw ex;
                }
                damaged++;
                continue;
            }
            if (value == null || !SpoolRecords.isIntact(offset, value)) {
                continue;
            }
            Event event = decodeNewest(offset, value, recent);
            if (event != null) {
                recent = event.context();
                action.accept(event);
                passed++;
            }
        }
        if (damaged > 0) {
            logger.warn("Skipped spooled events on damaged pages while reading the newest: events_read={} "
                    + "events_skipped={}", passed, damaged);
        }
    }

    /**
     * Decodes a record for {@link #forEachNewest} and parses its JSON, or returns null when
     * either fails, so that one undecodable record costs only itself.
     */
    private static @Nullable Event decodeNewest(long offset, byte[] value, @Nullable RequestContext recent) {
        try {
            Event event = SpoolRecords.decode(offset, value, recent).event();
            // A version 2 record keeps its JSON as bytes until a field is read. Reading one here
            // parses it, and the event keeps the parsed fields for the caller's own reads.
            event.insertId();
            return event;
        }
        catch (RuntimeException ex) {
            // The exception's message may quote the stored JSON, so only its type is logged.
            logger.warn("Skipping a spooled event that passed its checksum but cannot be decoded while reading "
                    + "the newest: offset={} error={}", offset, ex.getClass().getName());
            return null;
        }
    }

    @Override
    public Flux<SpooledEvent> read(DestinationId destination) {
        return reader(destination).read();
    }

    @Override
    public void acknowledge(DestinationId destination, long offset) {
        SpoolReader reader = reader(destination);
        if (offset >= committedOffset()) {
            throw new IllegalArgumentException("Offset " + offset + " was never appended");
        }
        reader.acknowledge(offset);
    }

    @Override
    public long backlog(DestinationId destination) {
        return reader(destination).unacknowledgedBelow(committedOffset());
    }

    private long committedOffset() {
        return this.writer.committedOffset();
    }

    /** Returns the bytes the spool file takes on disk. */
    public long size() {
        return this.file.fileSize();
    }

    /** Returns the bytes of the records still in the spool, as of the last write or checkpoint. */
    long liveBytes() {
        return this.writer.liveBytes();
    }

    /** Returns how many times the file was synced; one sync covers every append of a cycle. */
    long syncCount() {
        return this.writer.syncCount();
    }

    /**
     * Stops the writer after it has written every queued append, persists the destinations'
     * positions and closes the file. Later appends fail with
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
        this.readers.values().forEach(SpoolReader::close);
        this.readerScheduler.dispose();
        logger.info("Spool closed: path={}", this.directory);
    }

    private SpoolReader reader(DestinationId destination) {
        SpoolReader reader = this.readers.get(destination);
        if (reader == null) {
            throw new IllegalArgumentException("Destination '" + destination
                    + "' is not registered with this spool; registered: " + this.readers.keySet());
        }
        return reader;
    }

    /** Settings of a spool; {@link #build()} opens it and recovers what an earlier run left. */
    public static final class Builder {

        private final Path directory;

        private final List<DestinationId> destinations = new ArrayList<>();

        private long maxBytes = 1024L * 1024 * 1024;

        private long diskReserveBytes = 64L * 1024 * 1024;

        private SyncPolicy syncPolicy = SyncPolicy.ALWAYS;

        private Duration syncInterval = Duration.ofSeconds(1);

        private Duration checkpointInterval = Duration.ofSeconds(1);

        private String fileSystemPrefix = "";

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** Registers the destinations that read the spool, each with its own position. */
        public Builder destinations(Collection<DestinationId> destinations) {
            this.destinations.addAll(destinations);
            return this;
        }

        /** Sets the most bytes the spooled events may take; appends beyond it fail with SPOOL_FULL. */
        public Builder maxBytes(long maxBytes) {
            if (maxBytes < 1024 * 1024) {
                throw new IllegalArgumentException("maxBytes must be at least 1 MB, but was " + maxBytes);
            }
            this.maxBytes = maxBytes;
            return this;
        }

        /**
         * Sets the free disk space the spool leaves alone: appends fail with SPOOL_FULL while the
         * disk has less, so MVStore is not made to fail a write halfway. 64 MB by default.
         */
        public Builder diskReserveBytes(long diskReserveBytes) {
            if (diskReserveBytes < 0) {
                throw new IllegalArgumentException("diskReserveBytes must not be negative, but was "
                        + diskReserveBytes);
            }
            this.diskReserveBytes = diskReserveBytes;
            return this;
        }

        public Builder syncPolicy(SyncPolicy syncPolicy) {
            this.syncPolicy = Objects.requireNonNull(syncPolicy, "syncPolicy");
            return this;
        }

        /** Sets how often {@link SyncPolicy#PERIODIC} syncs the file. */
        public Builder syncInterval(Duration syncInterval) {
            this.syncInterval = requirePositive(syncInterval, "syncInterval");
            return this;
        }

        /**
         * Sets how often the destinations' positions are persisted and acknowledged records
         * deleted. After a crash, a destination may receive again what it acknowledged during the
         * last interval.
         */
        public Builder checkpointInterval(Duration checkpointInterval) {
            this.checkpointInterval = requirePositive(checkpointInterval, "checkpointInterval");
            return this;
        }

        /** Opens the file through an H2 file system registered under this prefix; tests use it. */
        Builder fileSystemPrefix(String prefix) {
            this.fileSystemPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * How long MVStore keeps a dead chunk before writing over it. The file's last durable
         * commit must not need a chunk that is written over: under {@code ALWAYS} every commit is
         * synced, so dead chunks can be reused at once, which keeps the file small; under
         * {@code PERIODIC} a second past the sync interval; under {@code NEVER}, where the
         * operating system decides, MVStore's default of 45 seconds.
         */
        int retentionMillis() {
            return switch (this.syncPolicy) {
                case ALWAYS -> 0;
                case PERIODIC -> (int) Math.min(Integer.MAX_VALUE, this.syncInterval.toMillis() + 1000);
                case NEVER -> 45_000;
            };
        }

        /**
         * Opens the spool, creating its directory and file when missing and recovering what an
         * earlier run left.
         *
         * @throws UncheckedIOException when the directory cannot be created
         * @throws IllegalStateException when another process has the spool open
         */
        public MVStoreSpool build() {
            if (this.destinations.isEmpty()) {
                throw new IllegalStateException("A spool needs at least one destination");
            }
            if (this.destinations.stream().distinct().count() != this.destinations.size()) {
                throw new IllegalStateException("Each destination id must be unique, but got " + this.destinations);
            }
            try {
                return new MVStoreSpool(this);
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

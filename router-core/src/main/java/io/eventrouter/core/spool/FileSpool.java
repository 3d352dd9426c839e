package io.eventrouter.core.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.SourceId;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A spool in a directory on local disk: a log of segment files that survives a killed process,
 * and with {@link SyncPolicy#ALWAYS} a power loss, plus a small file of each destination's
 * acknowledged position.
 *
 * <p>Design: one writer thread owns every file write. Appends are encoded on the caller's thread
 * and queued; each writer cycle takes every queued append, writes them, forces the log once if
 * the policy asks for it, and only then completes them. So appends that arrive together share
 * one sync (group commit). Readers run on their own threads with positional reads and never see
 * bytes past the last completed cycle. Each record carries a format version and a CRC-32C (see
 * {@link SpoolRecords}); on open, a torn record at the tail of the newest segment is cut off
 * with a warning.
 *
 * <p>Acknowledgements are kept on the heap and persisted by a checkpoint every
 * {@code checkpointInterval}: after a crash a destination resumes at its last persisted
 * watermark, so it may receive events it had already acknowledged again, but never misses one.
 * The checkpoint also deletes segments that every destination has acknowledged. When the log
 * would grow past {@code maxBytes}, or a write fails, for instance because the disk is full,
 * the append fails with {@link AcceptanceException.Reason#SPOOL_FULL} and the file is cut back to
 * its last whole record.
 */
public final class FileSpool implements Spool {

    private static final Logger logger = LoggerFactory.getLogger(FileSpool.class);

    /** A full spool drains at the pace of the slowest destination; a second is a fair first wait. */
    private static final Duration RETRY_AFTER_FULL = Duration.ofSeconds(1);

    private final Path directory;

    private final long maxBytes;

    private final long segmentBytes;

    private final SyncPolicy syncPolicy;

    private final long syncIntervalNanos;

    private final long checkpointIntervalNanos;

    private final ChannelOpener opener;

    private final CursorStore cursorStore;

    /** Guards {@link #segments}, {@link #committedOffset} and every cursor's acknowledgements. */
    private final ReentrantLock lock = new ReentrantLock();

    private final TreeMap<Long, Segment> segments = new TreeMap<>();

    /** The offset after the last record readers may read. */
    private long committedOffset;

    private final Map<DestinationId, Cursor> cursors = new LinkedHashMap<>();

    private final ReentrantLock queueLock = new ReentrantLock();

    private final Condition queued = this.queueLock.newCondition();

    private final ArrayDeque<PendingAppend> queue = new ArrayDeque<>();

    private boolean closing;

    private final Thread writer;

    private final Scheduler readers;

    private final AtomicLong syncs = new AtomicLong();

    /** Held while the spool is open, so that a second router cannot write the same files. */
    private final FileChannel directoryLock;

    // The writer thread's own state.

    private @Nullable FileChannel activeChannel;

    private @Nullable Segment activeSegment;

    /** Bytes of the active segment written so far, readable or not. */
    private long activeBytes;

    /** Set when recovery found the offsets to continue past the newest segment's records. */
    private boolean rollBeforeNextWrite;

    private long nextOffset;

    private long totalBytes;

    private boolean unsynced;

    private long lastSyncNanos = System.nanoTime();

    private long lastCheckpointNanos = System.nanoTime();

    private Map<DestinationId, Long> persistedWatermarks = Map.of();

    private boolean writeFailureLogged;

    private FileSpool(Builder builder) throws IOException {
        this.directory = builder.directory.toAbsolutePath();
        this.maxBytes = builder.maxBytes;
        this.segmentBytes = (builder.segmentBytes > 0) ? builder.segmentBytes
                : Math.max(64 * 1024, Math.min(64L * 1024 * 1024, builder.maxBytes / 8));
        this.syncPolicy = builder.syncPolicy;
        this.syncIntervalNanos = builder.syncInterval.toNanos();
        this.checkpointIntervalNanos = builder.checkpointInterval.toNanos();
        this.opener = builder.opener;
        this.cursorStore = new CursorStore(this.directory);
        Files.createDirectories(this.directory);
        this.directoryLock = lockDirectory(this.directory);
        recover(builder.destinations);
        this.readers = Schedulers.newParallel("spool-reader", Math.min(4, this.cursors.size()), true);
        this.cursors.values().forEach((cursor) -> cursor.worker = this.readers.createWorker());
        this.writer = new Thread(this::runWriter, "spool-writer");
        this.writer.setDaemon(true);
        this.writer.start();
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

    // Recovery

    private void recover(Collection<DestinationId> destinations) throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(this.directory)) {
            files = listing.filter((file) -> Segment.baseOffset(file).isPresent()).sorted().toList();
        }
        for (Path file : files) {
            long base = Segment.baseOffset(file).getAsLong();
            this.segments.put(base, new Segment(base, file, Files.size(file)));
            this.totalBytes += Files.size(file);
        }
        long logEnd = recoverTail();
        Map<DestinationId, Long> persisted = this.cursorStore.read();
        long oldest = this.segments.isEmpty() ? logEnd : this.segments.firstKey();
        long highest = persisted.values().stream().mapToLong(Long::longValue).max().orElse(0);
        // A lost tail (a power loss under a relaxed sync policy) must not hand out offsets that a
        // destination has already acknowledged.
        this.nextOffset = Math.max(logEnd, highest);
        this.rollBeforeNextWrite = this.nextOffset != logEnd;
        this.committedOffset = this.nextOffset;
        for (DestinationId destination : destinations) {
            long watermark = Math.max(oldest, Math.min(persisted.getOrDefault(destination, oldest), this.nextOffset));
            this.cursors.put(destination, new Cursor(destination, watermark));
        }
        this.persistedWatermarks = watermarks();
        logger.info("Spool opened: path={} segments={} bytes={} next_offset={}", this.directory,
                this.segments.size(), this.totalBytes, this.nextOffset);
    }

    /**
     * Checks every record of the newest segment, cuts a torn or damaged tail off and returns the
     * offset after its last valid record. The newest segment becomes the one appends go to.
     */
    private long recoverTail() throws IOException {
        while (!this.segments.isEmpty()) {
            Segment last = this.segments.lastEntry().getValue();
            if (!hasValidHeader(last)) {
                logger.warn("Deleting a spool segment without a valid header, left by a crash while it was "
                        + "created: segment={}", last);
                this.totalBytes -= Files.size(last.path);
                Files.delete(last.path);
                this.segments.remove(last.baseOffset);
                continue;
            }
            long end;
            long validBytes;
            try (SegmentReader reader = SegmentReader.open(last)) {
                validBytes = scan(reader, Files.size(last.path));
                end = reader.nextOffset();
            }
            long size = Files.size(last.path);
            if (validBytes < size) {
                logger.warn("Dropped a torn record at the tail of the spool, left by a crash during a write: "
                        + "segment={} position={} bytes={}", last, validBytes, size - validBytes);
            }
            this.activeChannel = this.opener.open(last.path);
            this.activeChannel.truncate(validBytes);
            this.activeChannel.position(validBytes);
            this.activeBytes = validBytes;
            this.totalBytes -= size - validBytes;
            last.committedBytes = validBytes;
            this.activeSegment = last;
            return end;
        }
        return 0;
    }

    private static long scan(SegmentReader reader, long size) throws IOException {
        try {
            while (reader.next(size) != null) {
                // Each call checks one record; the loop stops at the end or at the first damaged one.
            }
        }
        catch (SegmentReader.CorruptRecordException ex) {
            logger.debug("Spool tail scan stopped: {}", ex.getMessage());
        }
        return reader.position();
    }

    private static boolean hasValidHeader(Segment segment) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(SpoolRecords.SEGMENT_HEADER_BYTES);
        try (FileChannel channel = FileChannel.open(segment.path, StandardOpenOption.READ)) {
            while (header.hasRemaining() && channel.read(header) >= 0) {
                // Reads until the header is complete or the file ends.
            }
        }
        if (header.hasRemaining()) {
            return false;
        }
        header.flip();
        if (header.getLong() != SpoolRecords.SEGMENT_MAGIC) {
            throw new IllegalStateException("The file " + segment.path + " is not a spool segment: remove it or "
                    + "point the spool at another directory");
        }
        int version = header.getInt();
        if (version != SpoolRecords.FORMAT_VERSION) {
            throw new IllegalStateException("The spool segment " + segment.path + " has format version " + version
                    + ", but this version of Event Router reads only version " + SpoolRecords.FORMAT_VERSION);
        }
        return true;
    }

    // Appending

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
            // work, such as answering the request and encoding the next submission, out of the
            // writer's cycle.
            return Mono.<Void>create((sink) -> enqueue(new PendingAppend(payloads, sink)))
                    .publishOn(Schedulers.parallel());
        });
    }

    private void enqueue(PendingAppend append) {
        this.queueLock.lock();
        try {
            if (this.closing) {
                append.sink.error(notRunning());
                return;
            }
            this.queue.add(append);
            this.queued.signal();
        }
        finally {
            this.queueLock.unlock();
        }
    }

    private void runWriter() {
        try {
            List<PendingAppend> batch;
            while ((batch = awaitBatch()) != null) {
                if (!batch.isEmpty()) {
                    write(batch);
                }
                maintain(false);
            }
            maintain(true);
        }
        catch (Throwable ex) {
            logger.error("The spool writer stopped; appends fail until the router restarts: path={}",
                    this.directory, ex);
            failQueued();
        }
        finally {
            closeQuietly(this.activeChannel);
        }
    }

    /** Waits for appends or for the next due maintenance; returns null once closed and drained. */
    private @Nullable List<PendingAppend> awaitBatch() throws InterruptedException {
        this.queueLock.lock();
        try {
            if (this.queue.isEmpty() && !this.closing) {
                this.queued.awaitNanos(nanosUntilMaintenance());
            }
            if (this.queue.isEmpty() && this.closing) {
                return null;
            }
            List<PendingAppend> batch = new ArrayList<>(this.queue);
            this.queue.clear();
            return batch;
        }
        finally {
            this.queueLock.unlock();
        }
    }

    private long nanosUntilMaintenance() {
        long now = System.nanoTime();
        long untilCheckpoint = this.lastCheckpointNanos + this.checkpointIntervalNanos - now;
        long untilSync = (this.syncPolicy == SyncPolicy.PERIODIC && this.unsynced)
                ? this.lastSyncNanos + this.syncIntervalNanos - now : Long.MAX_VALUE;
        return Math.max(1, Math.min(untilCheckpoint, untilSync));
    }

    private void write(List<PendingAppend> batch) {
        List<PendingAppend> written = new ArrayList<>(batch.size());
        for (PendingAppend append : batch) {
            AcceptanceException failure = writeOne(append);
            if (failure != null) {
                append.sink.error(failure);
            }
            else {
                written.add(append);
            }
        }
        if (written.isEmpty()) {
            return;
        }
        if (this.syncPolicy == SyncPolicy.ALWAYS && !sync()) {
            // The records are in the file, so they may still be delivered: the client's retry then
            // duplicates them, which at-least-once allows.
            written.forEach((append) -> append.sink.error(full("The spool cannot force its log to disk")));
            return;
        }
        publish();
        written.forEach((append) -> append.sink.success());
    }

    private @Nullable AcceptanceException writeOne(PendingAppend append) {
        long size = append.bytes();
        if (this.totalBytes + size > this.maxBytes) {
            return full("The spool holds its maximum of " + this.maxBytes + " bytes");
        }
        try {
            FileChannel channel = channelFor(size);
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            long offset = this.nextOffset;
            for (byte[] payload : append.payloads) {
                SpoolRecords.writeRecord(buffer, offset++, payload);
            }
            buffer.flip();
            writeFully(channel, buffer);
            this.activeBytes += size;
            this.nextOffset = offset;
            this.totalBytes += size;
            this.unsynced = true;
            this.writeFailureLogged = false;
            return null;
        }
        catch (IOException ex) {
            return writeFailed(ex);
        }
    }

    /** Cuts the file back to its last whole record, so a failed write leaves nothing half written. */
    private AcceptanceException writeFailed(IOException ex) {
        if (!this.writeFailureLogged) {
            logger.warn("Spool write failed, answering 503 until writes succeed again: path={} error={}",
                    this.directory, ex.toString());
            this.writeFailureLogged = true;
        }
        Segment segment = this.activeSegment;
        FileChannel channel = this.activeChannel;
        if (segment != null && channel != null) {
            try {
                channel.truncate(this.activeBytes);
                channel.position(this.activeBytes);
            }
            catch (IOException truncateFailure) {
                logger.error("Cannot cut the spool segment back after a failed write: segment={}", segment,
                        truncateFailure);
            }
        }
        return full("The spool cannot write to disk: " + ex.getMessage());
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Returns the channel of a segment with room for {@code size} more bytes, rolling over if needed. */
    private FileChannel channelFor(long size) throws IOException {
        FileChannel channel = this.activeChannel;
        if (channel != null && !this.rollBeforeNextWrite) {
            boolean empty = this.activeBytes <= SpoolRecords.SEGMENT_HEADER_BYTES;
            if (empty || this.activeBytes + size <= this.segmentBytes) {
                return channel;
            }
        }
        return roll();
    }

    private FileChannel roll() throws IOException {
        sealActive();
        Path path = Segment.path(this.directory, this.nextOffset);
        FileChannel channel = this.opener.open(path);
        try {
            channel.truncate(0);
            writeFully(channel, SpoolRecords.segmentHeader());
        }
        catch (IOException ex) {
            closeQuietly(channel);
            Files.deleteIfExists(path);
            throw ex;
        }
        if (this.syncPolicy == SyncPolicy.ALWAYS) {
            // A power loss may otherwise drop the new file's directory entry along with its records.
            syncDirectory(this.directory);
        }
        Segment segment = new Segment(this.nextOffset, path, SpoolRecords.SEGMENT_HEADER_BYTES);
        this.totalBytes += SpoolRecords.SEGMENT_HEADER_BYTES;
        this.lock.lock();
        try {
            this.segments.put(segment.baseOffset, segment);
        }
        finally {
            this.lock.unlock();
        }
        this.activeSegment = segment;
        this.activeChannel = channel;
        this.activeBytes = SpoolRecords.SEGMENT_HEADER_BYTES;
        this.rollBeforeNextWrite = false;
        return channel;
    }

    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
        catch (IOException ex) {
            // Some platforms cannot open a directory as a channel; their file systems order this themselves.
            logger.debug("Cannot force the spool directory: {}", ex.toString());
        }
    }

    /** Makes the active segment's records visible and durable before appends move to a new one. */
    private void sealActive() throws IOException {
        FileChannel channel = this.activeChannel;
        if (channel == null) {
            return;
        }
        if (this.syncPolicy != SyncPolicy.NEVER) {
            channel.force(false);
            this.syncs.incrementAndGet();
        }
        publish();
        channel.close();
        this.activeChannel = null;
        this.activeSegment = null;
    }

    private boolean sync() {
        FileChannel channel = this.activeChannel;
        if (channel == null) {
            return true;
        }
        try {
            channel.force(false);
            this.syncs.incrementAndGet();
            this.unsynced = false;
            this.lastSyncNanos = System.nanoTime();
            return true;
        }
        catch (IOException ex) {
            logger.error("Cannot force the spool to disk; the appends of this cycle are answered 503: path={}",
                    this.directory, ex);
            return false;
        }
    }

    /** Lets readers see every record written so far and wakes them. */
    private void publish() {
        this.lock.lock();
        try {
            Segment segment = this.activeSegment;
            if (segment != null) {
                segment.committedBytes = this.activeBytes;
            }
            this.committedOffset = this.nextOffset;
        }
        finally {
            this.lock.unlock();
        }
        this.cursors.values().forEach(this::signal);
    }

    // Checkpoints: periodic sync, cursor persistence and segment deletion

    private void maintain(boolean force) {
        long now = System.nanoTime();
        if (this.unsynced && this.syncPolicy == SyncPolicy.PERIODIC
                && (force || now - this.lastSyncNanos >= this.syncIntervalNanos)) {
            sync();
        }
        if (force || now - this.lastCheckpointNanos >= this.checkpointIntervalNanos) {
            this.lastCheckpointNanos = now;
            try {
                checkpoint();
            }
            catch (IOException ex) {
                logger.warn("Spool checkpoint failed, will retry: path={} error={}", this.directory, ex.toString());
            }
        }
    }

    private void checkpoint() throws IOException {
        Map<DestinationId, Long> watermarks = watermarks();
        if (!watermarks.equals(this.persistedWatermarks)) {
            this.cursorStore.write(watermarks, this.syncPolicy != SyncPolicy.NEVER);
            this.persistedWatermarks = watermarks;
        }
        long done = watermarks.values().stream().mapToLong(Long::longValue).min().orElse(this.nextOffset);
        for (Segment segment : releasable(done)) {
            long size = Files.size(segment.path);
            Files.delete(segment.path);
            this.totalBytes -= size;
            logger.debug("Deleted an acknowledged spool segment: segment={} bytes={}", segment, size);
        }
    }

    /** Removes and returns the sealed segments whose every record lies below {@code done}. */
    private List<Segment> releasable(long done) {
        List<Segment> released = new ArrayList<>();
        this.lock.lock();
        try {
            while (this.segments.size() > 1) {
                Map.Entry<Long, Segment> first = this.segments.firstEntry();
                Long next = this.segments.higherKey(first.getKey());
                if (next == null || next > done || first.getValue() == this.activeSegment) {
                    break;
                }
                released.add(first.getValue());
                this.segments.remove(first.getKey());
            }
        }
        finally {
            this.lock.unlock();
        }
        return released;
    }

    private Map<DestinationId, Long> watermarks() {
        this.lock.lock();
        try {
            Map<DestinationId, Long> watermarks = new LinkedHashMap<>();
            this.cursors.forEach((id, cursor) -> watermarks.put(id, cursor.acknowledgements.watermark()));
            return watermarks;
        }
        finally {
            this.lock.unlock();
        }
    }

    // Reading

    @Override
    public Flux<SpooledEvent> read(DestinationId destination) {
        Cursor cursor = cursor(destination);
        return Flux.create((sink) -> {
            this.lock.lock();
            try {
                if (cursor.sink != null) {
                    sink.error(new IllegalStateException("Destination '" + destination
                            + "' is already reading from the spool"));
                    return;
                }
                cursor.sink = sink;
                cursor.readOffset = cursor.acknowledgements.watermark();
                cursor.rewind = true;
            }
            finally {
                this.lock.unlock();
            }
            sink.onRequest((demand) -> signal(cursor));
            sink.onDispose(() -> detach(cursor, sink));
        });
    }

    private void detach(Cursor cursor, FluxSink<SpooledEvent> sink) {
        this.lock.lock();
        try {
            if (cursor.sink == sink) {
                cursor.sink = null;
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    private void signal(Cursor cursor) {
        Scheduler.Worker worker = cursor.worker;
        if (worker != null && cursor.drains.getAndIncrement() == 0) {
            worker.schedule(() -> drain(cursor));
        }
    }

    /** Emits what the cursor's subscriber asked for; runs on the cursor's worker only. */
    private void drain(Cursor cursor) {
        int missed = 1;
        do {
            FluxSink<SpooledEvent> sink = cursor.sink;
            try {
                while (sink != null && sink.requestedFromDownstream() > 0 && !sink.isCancelled()) {
                    SpooledEvent next = readNext(cursor);
                    if (next == null) {
                        break;
                    }
                    sink.next(next);
                }
            }
            catch (IOException | RuntimeException ex) {
                logger.error("Reading the spool failed; the destination stops until it is restarted: "
                        + "destination_id={}", cursor.id, ex);
                if (sink != null) {
                    sink.error(ex);
                }
            }
            missed = cursor.drains.addAndGet(-missed);
        }
        while (missed != 0);
    }

    private @Nullable SpooledEvent readNext(Cursor cursor) throws IOException {
        while (true) {
            long target;
            this.lock.lock();
            try {
                while (cursor.readOffset < this.committedOffset && cursor.acknowledgements.isAcknowledged(cursor.readOffset)) {
                    cursor.readOffset++;
                }
                if (cursor.readOffset >= this.committedOffset) {
                    return null;
                }
                target = cursor.readOffset;
            }
            finally {
                this.lock.unlock();
            }
            SegmentReader.Record record = recordAtOrAfter(cursor, target);
            if (record == null) {
                return null;
            }
            if (record.offset() > target) {
                skipLost(cursor, target, record.offset());
            }
            this.lock.lock();
            try {
                cursor.readOffset = record.offset() + 1;
                if (cursor.acknowledgements.isAcknowledged(record.offset())) {
                    continue;
                }
            }
            finally {
                this.lock.unlock();
            }
            try {
                return SpoolRecords.decode(record.offset(), record.payload());
            }
            catch (RuntimeException ex) {
                logger.error("Dropping a spooled event that passed its checksum but cannot be decoded: "
                        + "destination_id={} offset={} error={}", cursor.id, record.offset(), ex.toString());
                acknowledge(cursor.id, record.offset());
            }
        }
    }

    /**
     * Returns the first readable record at or after {@code target}. Damaged bytes in a sealed
     * segment end that segment for this reader: its remaining records are lost, and the next
     * record returned lies beyond them.
     */
    private SegmentReader.@Nullable Record recordAtOrAfter(Cursor cursor, long target) throws IOException {
        if (cursor.rewind || cursor.reader == null || cursor.reader.nextOffset() > target) {
            cursor.rewind = false;
            if (!openReader(cursor, floorSegment(target))) {
                return null;
            }
        }
        while (true) {
            SegmentReader reader = cursor.reader;
            SegmentReader.Record record;
            try {
                record = reader.next(reader.segment().committedBytes);
            }
            catch (SegmentReader.CorruptRecordException ex) {
                logger.error("Skipping the rest of a damaged spool segment: destination_id={} error={}",
                        cursor.id, ex.getMessage());
                record = null;
            }
            if (record == null) {
                if (!openReader(cursor, nextSegment(reader.segment()))) {
                    return null;
                }
                continue;
            }
            if (record.offset() >= target) {
                return record;
            }
        }
    }

    private boolean openReader(Cursor cursor, @Nullable Segment segment) throws IOException {
        if (segment == null) {
            return false;
        }
        if (cursor.reader != null && cursor.reader.segment() == segment) {
            return true;
        }
        closeQuietly(cursor.reader);
        cursor.reader = SegmentReader.open(segment);
        return true;
    }

    private @Nullable Segment floorSegment(long offset) {
        this.lock.lock();
        try {
            Map.Entry<Long, Segment> floor = this.segments.floorEntry(offset);
            return (floor != null) ? floor.getValue()
                    : (this.segments.isEmpty() ? null : this.segments.firstEntry().getValue());
        }
        finally {
            this.lock.unlock();
        }
    }

    private @Nullable Segment nextSegment(Segment segment) {
        this.lock.lock();
        try {
            Map.Entry<Long, Segment> next = this.segments.higherEntry(segment.baseOffset);
            return (next != null) ? next.getValue() : null;
        }
        finally {
            this.lock.unlock();
        }
    }

    private void skipLost(Cursor cursor, long from, long to) {
        logger.error("Spooled events lost to damaged bytes, skipping them: destination_id={} events={} "
                + "first_offset={}", cursor.id, to - from, from);
        this.lock.lock();
        try {
            for (long offset = from; offset < to; offset++) {
                cursor.acknowledgements.acknowledge(offset);
            }
        }
        finally {
            this.lock.unlock();
        }
    }

    // Acknowledgements and state

    @Override
    public void acknowledge(DestinationId destination, long offset) {
        Cursor cursor = cursor(destination);
        this.lock.lock();
        try {
            if (offset >= this.committedOffset) {
                throw new IllegalArgumentException("Offset " + offset + " was never appended");
            }
            cursor.acknowledgements.acknowledge(offset);
        }
        finally {
            this.lock.unlock();
        }
    }

    @Override
    public long backlog(DestinationId destination) {
        Cursor cursor = cursor(destination);
        this.lock.lock();
        try {
            return this.committedOffset - cursor.acknowledgements.watermark();
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Returns the bytes the log's segment files take on disk. */
    public long size() {
        this.lock.lock();
        try {
            return this.segments.values().stream().mapToLong((segment) -> segment.committedBytes).sum();
        }
        finally {
            this.lock.unlock();
        }
    }

    /** Returns how many times the log was forced to disk; one sync covers every append of a cycle. */
    long syncCount() {
        return this.syncs.get();
    }

    /**
     * Stops the writer after it has written every queued append, persists the destinations'
     * positions and closes the files. Later appends fail with
     * {@link AcceptanceException.Reason#NOT_RUNNING}.
     */
    @Override
    public void close() {
        this.queueLock.lock();
        try {
            if (this.closing) {
                return;
            }
            this.closing = true;
            this.queued.signal();
        }
        finally {
            this.queueLock.unlock();
        }
        try {
            this.writer.join(TimeUnit.SECONDS.toMillis(30));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        for (Cursor cursor : this.cursors.values()) {
            FluxSink<SpooledEvent> sink = cursor.sink;
            if (sink != null) {
                sink.complete();
            }
        }
        this.readers.dispose();
        this.cursors.values().forEach((cursor) -> closeQuietly(cursor.reader));
        closeQuietly(this.directoryLock);
        logger.info("Spool closed: path={}", this.directory);
    }

    private void failQueued() {
        this.queueLock.lock();
        try {
            this.closing = true;
            this.queue.forEach((append) -> append.sink.error(notRunning()));
            this.queue.clear();
        }
        finally {
            this.queueLock.unlock();
        }
    }

    private Cursor cursor(DestinationId destination) {
        Cursor cursor = this.cursors.get(destination);
        if (cursor == null) {
            throw new IllegalArgumentException("Destination '" + destination
                    + "' is not registered with this spool; registered: " + this.cursors.keySet());
        }
        return cursor;
    }

    private static AcceptanceException full(String message) {
        return new AcceptanceException(AcceptanceException.Reason.SPOOL_FULL, RETRY_AFTER_FULL, message);
    }

    private static AcceptanceException notRunning() {
        return new AcceptanceException(AcceptanceException.Reason.NOT_RUNNING, RETRY_AFTER_FULL, "The spool is closed");
    }

    private static void closeQuietly(@Nullable AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        }
        catch (Exception ex) {
            logger.debug("Closing a spool file failed: {}", ex.toString());
        }
    }

    /** Opens a segment file for the writer; tests swap it to simulate a full disk. */
    @FunctionalInterface
    interface ChannelOpener {

        FileChannel open(Path path) throws IOException;

    }

    private record PendingAppend(List<byte[]> payloads, MonoSink<Void> sink) {

        long bytes() {
            long bytes = 0;
            for (byte[] payload : this.payloads) {
                bytes += SpoolRecords.recordBytes(payload);
            }
            return bytes;
        }

    }

    private static final class Cursor {

        final DestinationId id;

        final AcknowledgementTracker acknowledgements;

        final AtomicInteger drains = new AtomicInteger();

        volatile Scheduler.@Nullable Worker worker;

        volatile @Nullable FluxSink<SpooledEvent> sink;

        /** Guarded by the spool's lock. */
        long readOffset;

        /** Set when a new subscriber starts at the watermark; read and cleared on the worker. */
        volatile boolean rewind;

        /** Touched only on the cursor's worker. */
        @Nullable SegmentReader reader;

        Cursor(DestinationId id, long watermark) {
            this.id = id;
            this.acknowledgements = new AcknowledgementTracker(watermark);
            this.readOffset = watermark;
        }

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

package io.eventrouter.core.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.source.AcceptanceException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.MonoSink;

/**
 * The one thread that writes a {@link FileSpool}'s files: it appends records with group commit,
 * rolls segments, forces the log per the {@link SyncPolicy}, and runs the checkpoint that
 * persists the cursors and deletes acknowledged segments.
 *
 * <p>Each cycle takes every queued append, writes them, forces the log once if the policy
 * requires it, publishes the new records to readers and only then completes the appends.
 */
final class SpoolWriter implements Runnable {

    private static final Logger logger = LoggerFactory.getLogger(SpoolWriter.class);

    /** A full spool drains at the pace of the slowest destination; a second is a fair first wait. */
    static final Duration RETRY_AFTER_FULL = Duration.ofSeconds(1);

    private final Settings settings;

    private final SegmentIndex index;

    private final List<SpoolCursor> cursors;

    private final CursorStore cursorStore;

    private final ReentrantLock queueLock = new ReentrantLock();

    private final Condition queued = this.queueLock.newCondition();

    private final ArrayDeque<PendingAppend> queue = new ArrayDeque<>();

    /** Guarded by {@link #queueLock}. */
    private boolean closing;

    private final AtomicLong syncs = new AtomicLong();

    // The rest is touched only by the writer thread.

    private @Nullable FileChannel activeChannel;

    private @Nullable Segment activeSegment;

    /** Bytes of the active segment written so far, readable or not. */
    private long activeBytes;

    /** Set when recovery continued the offsets past the newest segment's last record. */
    private boolean rollBeforeNextWrite;

    private long nextOffset;

    private long totalBytes;

    private boolean unsynced;

    private long lastSyncNanos = System.nanoTime();

    private long lastCheckpointNanos = System.nanoTime();

    private Map<DestinationId, Long> persistedWatermarks;

    private boolean writeFailureLogged;

    SpoolWriter(Settings settings, SpoolRecovery.RecoveredLog log, long nextOffset, SegmentIndex index,
            List<SpoolCursor> cursors, CursorStore cursorStore) {
        this.settings = settings;
        this.index = index;
        this.cursors = cursors;
        this.cursorStore = cursorStore;
        this.activeSegment = log.active();
        this.activeChannel = log.channel();
        this.activeBytes = log.activeBytes();
        this.totalBytes = log.totalBytes();
        this.nextOffset = nextOffset;
        this.rollBeforeNextWrite = nextOffset != log.endOffset();
        this.persistedWatermarks = watermarks();
    }

    /** Queues an append; the sink completes once its records are written and forced per the policy. */
    void enqueue(List<byte[]> payloads, MonoSink<Void> sink) {
        this.queueLock.lock();
        try {
            if (this.closing) {
                sink.error(notRunning());
                return;
            }
            this.queue.add(new PendingAppend(payloads, sink));
            this.queued.signal();
        }
        finally {
            this.queueLock.unlock();
        }
    }

    /** Lets the thread finish: it writes what is queued, runs a last checkpoint and stops. */
    void stop() {
        this.queueLock.lock();
        try {
            this.closing = true;
            this.queued.signal();
        }
        finally {
            this.queueLock.unlock();
        }
    }

    long syncCount() {
        return this.syncs.get();
    }

    @Override
    public void run() {
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
                    this.settings.directory(), ex);
            failQueued();
        }
        finally {
            closeChannel();
        }
    }

    /** Waits for appends or for the next due maintenance; returns null once closing and drained. */
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
        long untilCheckpoint = this.lastCheckpointNanos + this.settings.checkpointInterval().toNanos() - now;
        long untilSync = (this.settings.syncPolicy() == SyncPolicy.PERIODIC && this.unsynced)
                ? this.lastSyncNanos + this.settings.syncInterval().toNanos() - now : Long.MAX_VALUE;
        return Math.max(1, Math.min(untilCheckpoint, untilSync));
    }

    private void write(List<PendingAppend> batch) {
        List<PendingAppend> written = new ArrayList<>(batch.size());
        for (PendingAppend append : batch) {
            AcceptanceException failure = writeOne(append);
            if (failure != null) {
                append.sink().error(failure);
            }
            else {
                written.add(append);
            }
        }
        if (written.isEmpty()) {
            return;
        }
        if (this.settings.syncPolicy() == SyncPolicy.ALWAYS && !sync()) {
            // The records are in the file, so a later cycle publishes them and they may still be
            // delivered: the client's retry then duplicates them, which at-least-once allows.
            written.forEach((append) -> append.sink().error(full("The spool cannot force its log to disk")));
            return;
        }
        publish();
        written.forEach((append) -> append.sink().success());
    }

    private @Nullable AcceptanceException writeOne(PendingAppend append) {
        long size = append.bytes();
        if (this.totalBytes + size > this.settings.maxBytes()) {
            return full("The spool holds its maximum of " + this.settings.maxBytes() + " bytes");
        }
        try {
            FileChannel channel = channelFor(size);
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            long offset = this.nextOffset;
            for (byte[] payload : append.payloads()) {
                SpoolRecords.writeRecord(buffer, offset++, payload);
            }
            buffer.flip();
            writeFully(channel, buffer);
            this.activeBytes += size;
            this.totalBytes += size;
            this.nextOffset = offset;
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
                    this.settings.directory(), ex.toString());
            this.writeFailureLogged = true;
        }
        FileChannel channel = this.activeChannel;
        if (channel != null) {
            try {
                channel.truncate(this.activeBytes);
                channel.position(this.activeBytes);
            }
            catch (IOException truncateFailure) {
                logger.error("Cannot cut the spool segment back after a failed write: segment={}",
                        this.activeSegment, truncateFailure);
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
            if (empty || this.activeBytes + size <= this.settings.segmentBytes()) {
                return channel;
            }
        }
        return roll();
    }

    private FileChannel roll() throws IOException {
        sealActive();
        Path path = Segment.path(this.settings.directory(), this.nextOffset);
        FileChannel channel = this.settings.opener().open(path);
        try {
            channel.truncate(0);
            writeFully(channel, SpoolRecords.segmentHeader());
        }
        catch (IOException ex) {
            channel.close();
            Files.deleteIfExists(path);
            throw ex;
        }
        if (this.settings.syncPolicy() == SyncPolicy.ALWAYS) {
            // A power loss may otherwise drop the new file's directory entry along with its records.
            FileSpool.syncDirectory(this.settings.directory());
        }
        Segment segment = new Segment(this.nextOffset, path, SpoolRecords.SEGMENT_HEADER_BYTES);
        this.index.add(segment);
        this.totalBytes += SpoolRecords.SEGMENT_HEADER_BYTES;
        this.activeSegment = segment;
        this.activeChannel = channel;
        this.activeBytes = SpoolRecords.SEGMENT_HEADER_BYTES;
        this.rollBeforeNextWrite = false;
        return channel;
    }

    /** Makes the active segment's records durable and readable before appends move to a new one. */
    private void sealActive() throws IOException {
        FileChannel channel = this.activeChannel;
        if (channel == null) {
            return;
        }
        if (this.settings.syncPolicy() != SyncPolicy.NEVER) {
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
                    this.settings.directory(), ex);
            return false;
        }
    }

    private void publish() {
        this.index.publish(this.activeSegment, this.activeBytes, this.nextOffset);
        this.cursors.forEach(SpoolCursor::signal);
    }

    private void maintain(boolean now) {
        long time = System.nanoTime();
        if (this.unsynced && this.settings.syncPolicy() == SyncPolicy.PERIODIC
                && (now || time - this.lastSyncNanos >= this.settings.syncInterval().toNanos())) {
            sync();
        }
        if (now || time - this.lastCheckpointNanos >= this.settings.checkpointInterval().toNanos()) {
            this.lastCheckpointNanos = time;
            try {
                checkpoint();
            }
            catch (IOException ex) {
                logger.warn("Spool checkpoint failed, will retry: path={} error={}", this.settings.directory(),
                        ex.toString());
            }
        }
    }

    /**
     * Persists the watermarks, then deletes the segments below the lowest persisted one, so a
     * restart never resumes a destination inside a deleted segment.
     */
    private void checkpoint() throws IOException {
        Map<DestinationId, Long> watermarks = watermarks();
        if (!watermarks.equals(this.persistedWatermarks)) {
            this.cursorStore.write(watermarks, this.settings.syncPolicy() != SyncPolicy.NEVER);
            this.persistedWatermarks = watermarks;
        }
        long done = watermarks.values().stream().mapToLong(Long::longValue).min().orElse(this.nextOffset);
        for (Segment segment : this.index.removeBelow(done, this.activeSegment)) {
            long size = Files.size(segment.path);
            Files.delete(segment.path);
            this.totalBytes -= size;
            logger.debug("Deleted an acknowledged spool segment: segment={} bytes={}", segment, size);
        }
    }

    private Map<DestinationId, Long> watermarks() {
        Map<DestinationId, Long> watermarks = new LinkedHashMap<>();
        this.cursors.forEach((cursor) -> watermarks.put(cursor.id(), cursor.watermark()));
        return watermarks;
    }

    private void failQueued() {
        this.queueLock.lock();
        try {
            this.closing = true;
            this.queue.forEach((append) -> append.sink().error(notRunning()));
            this.queue.clear();
        }
        finally {
            this.queueLock.unlock();
        }
    }

    private void closeChannel() {
        FileChannel channel = this.activeChannel;
        if (channel != null) {
            try {
                channel.close();
            }
            catch (IOException ex) {
                logger.debug("Closing the spool segment failed: {}", ex.toString());
            }
        }
    }

    static AcceptanceException full(String message) {
        return new AcceptanceException(AcceptanceException.Reason.SPOOL_FULL, RETRY_AFTER_FULL, message);
    }

    static AcceptanceException notRunning() {
        return new AcceptanceException(AcceptanceException.Reason.NOT_RUNNING, RETRY_AFTER_FULL, "The spool is closed");
    }

    /** The spool settings the writer uses. */
    record Settings(Path directory, long maxBytes, long segmentBytes, SyncPolicy syncPolicy, Duration syncInterval,
            Duration checkpointInterval, FileSpool.ChannelOpener opener) {
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

}

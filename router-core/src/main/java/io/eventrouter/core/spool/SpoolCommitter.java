package io.eventrouter.core.spool;

import java.io.IOException;
import java.nio.file.FileStore;
import java.time.Duration;
import java.nio.ByteBuffer;
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
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStoreException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.MonoSink;

/**
 * The one thread that changes an {@link MVStoreSpool}'s file: it appends with group commit,
 * syncs per the {@link SyncPolicy}, and runs the checkpoint that persists the destinations'
 * positions, deletes acknowledged records and compacts the file.
 *
 * <p>Each cycle takes the queued appends, up to {@link #MAX_CYCLE_BYTES}, puts their records,
 * commits once, syncs once if the policy requires it, publishes the new offsets to readers and
 * only then completes the appends.
 * When a write fails, MVStore has closed itself: the appends of the cycle fail with
 * {@link AcceptanceException.Reason#SPOOL_FULL}, and a later cycle opens the file again.
 */
final class SpoolCommitter implements Runnable {

    private static final Logger logger = LoggerFactory.getLogger(SpoolCommitter.class);

    /** A full spool drains at the pace of the slowest destination; a second is a fair first wait. */
    static final Duration RETRY_AFTER_FULL = Duration.ofSeconds(1);

    /** MVStore's own estimate of a map entry's overhead beyond the value's bytes. */
    static final int RECORD_OVERHEAD_BYTES = 24;

    /**
     * Bounds the records one cycle commits, and so the size of a chunk, except for one larger
     * append. MVStore serialises a chunk in one buffer, and moves a chunk whole when it compacts
     * the file, so large events queued together would otherwise need a buffer of their total size.
     */
    static final long MAX_CYCLE_BYTES = 2L * 1024 * 1024;

    /** How long a failed file waits before the writer opens it again. */
    private static final long REOPEN_PAUSE_NANOS = Duration.ofMillis(200).toNanos();

    /** Chunks whose live share is below this are rewritten by the checkpoint. */
    private static final int COMPACT_FILL_RATE = 50;

    /** Bounds a compaction step: MVStore keeps the pages it rewrites on the heap until they are written. */
    private static final int COMPACT_WRITE_BYTES = 4 * 1024 * 1024;

    /** A file smaller than this is left as it is, however much of it is free. */
    private static final long SHRINK_THRESHOLD_BYTES = 16L * 1024 * 1024;

    private static final long SHRINK_PAUSE_NANOS = Duration.ofSeconds(10).toNanos();

    /** Bounds the writer's pause while it shrinks the file; appends wait meanwhile. */
    private static final int SHRINK_MAX_MILLIS = 50;

    /** Bounds each round of the shrink at close, when no append waits. */
    private static final int CLOSE_SHRINK_MAX_MILLIS = 500;

    /** The size a file is shrunk toward at close when its records need less. */
    private static final long CLOSE_SHRINK_TARGET_BYTES = 1024 * 1024;

    /**
     * The maximum number of delivered records one checkpoint deletes. Waiting appends go next, and
     * then the next checkpoint deletes more. In load runs, deleting a second's records at 50,000
     * events per second in one go delayed the appends queued behind it by tens of milliseconds.
     */
    static final int MAX_DELETES_PER_CHECKPOINT = 4096;

    /**
     * The maximum bytes of acknowledged offsets a checkpoint persists for one destination, which
     * cover 4 million offsets above its watermark. Past it only the watermark is persisted.
     */
    static final int MAX_ACKNOWLEDGED_BYTES = 512 * 1024;

    private final Settings settings;

    private final SpoolFile file;

    private final List<SpoolReader> readers;

    private final ReentrantLock queueLock = new ReentrantLock();

    private final Condition queued = this.queueLock.newCondition();

    private final ArrayDeque<PendingAppend> queue = new ArrayDeque<>();

    /** Guarded by {@link #queueLock}. */
    private boolean closing;

    private final AtomicLong syncs = new AtomicLong();

    /** The offset below which every record is committed; read by the readers. */
    private volatile long committedOffset;

    // The rest is touched only by the writer thread.

    /** Written by the writer thread only; read by others, such as tests. */
    private volatile long liveBytes;

    private boolean unsynced;

    private long lastSyncNanos = System.nanoTime();

    private long lastCheckpointNanos = System.nanoTime();

    private long failedAtNanos;

    private long lastShrinkNanos = System.nanoTime();

    private Map<DestinationId, SpoolReader.Position> persistedPositions;

    private boolean writeFailureLogged;

    /** The offset below which the checkpoint has deleted every record it could; null until it ran. */
    private @Nullable Long deletedBelow;

    /**
     * Whether delivered records may be left to delete. It is true when the last checkpoint stopped
     * at {@link #MAX_DELETES_PER_CHECKPOINT}, and at start, because a crash between two such
     * checkpoints leaves records below the persisted positions.
     */
    private boolean deletionPending = true;

    private boolean compactionStopped;

    /** Whether delivered records on a damaged page are left in the map, which only clearing it drops. */
    private boolean damagedRecordsLeft;

    SpoolCommitter(Settings settings, SpoolFile file, long committedOffset, List<SpoolReader> readers) {
        this.settings = settings;
        this.file = file;
        this.readers = readers;
        this.committedOffset = committedOffset;
        this.liveBytes = file.state(SpoolFile.LIVE_BYTES);
        this.persistedPositions = positions();
    }

    long committedOffset() {
        return this.committedOffset;
    }

    long liveBytes() {
        return this.liveBytes;
    }

    /**
     * Queues an append of records from {@link SpoolRecords#encode}, which the writer seals in
     * place. The sink completes once they are committed and synced per the policy.
     */
    void enqueue(List<byte[]> records, MonoSink<Void> sink) {
        this.queueLock.lock();
        try {
            if (this.closing) {
                sink.error(notRunning());
                return;
            }
            this.queue.add(new PendingAppend(records, sink));
            this.queued.signal();
        }
        finally {
            this.queueLock.unlock();
        }
    }

    /** Lets the thread finish: it writes what is queued, runs a last checkpoint and closes the file. */
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
            shrinkBeforeClose();
        }
        catch (Throwable ex) {
            logger.error("The spool writer stopped, so appends fail until the router restarts: file={}",
                    this.settings.fileName(), ex);
            failQueued();
        }
        finally {
            closeFile();
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
            List<PendingAppend> batch = new ArrayList<>();
            long bytes = 0;
            while (!this.queue.isEmpty() && (batch.isEmpty() || bytes + this.queue.peek().bytes() <= MAX_CYCLE_BYTES)) {
                PendingAppend append = this.queue.poll();
                bytes += append.bytes();
                batch.add(append);
            }
            return batch;
        }
        finally {
            this.queueLock.unlock();
        }
    }

    private long nanosUntilMaintenance() {
        if (this.deletionPending) {
            return 1;
        }
        long now = System.nanoTime();
        long untilCheckpoint = this.lastCheckpointNanos + this.settings.checkpointInterval().toNanos() - now;
        long untilSync = (this.settings.syncPolicy() == SyncPolicy.PERIODIC && this.unsynced)
                ? this.lastSyncNanos + this.settings.syncInterval().toNanos() - now : Long.MAX_VALUE;
        return Math.max(1, Math.min(untilCheckpoint, untilSync));
    }

    private void write(List<PendingAppend> batch) {
        AcceptanceException unavailable = checkWritable();
        if (unavailable != null) {
            batch.forEach((append) -> append.sink().error(unavailable));
            return;
        }
        List<PendingAppend> accepted = acceptWithinMaxSize(batch);
        if (accepted.isEmpty()) {
            return;
        }
        long offset = this.committedOffset;
        long bytes = this.liveBytes;
        try {
            MVMap<Long, byte[]> records = this.file.records();
            for (PendingAppend append : accepted) {
                for (byte[] record : append.records()) {
                    records.put(offset, SpoolRecords.seal(offset, record));
                    offset++;
                }
                bytes += append.bytes();
            }
            this.file.putState(SpoolFile.LIVE_BYTES, bytes);
            this.file.putState(SpoolFile.NEXT_OFFSET, offset);
            commit(this.settings.syncPolicy() == SyncPolicy.ALWAYS);
        }
        catch (RuntimeException ex) {
            AcceptanceException failure = writeFailed(ex);
            accepted.forEach((append) -> append.sink().error(failure));
            return;
        }

        this.liveBytes = bytes;
        this.unsynced = this.settings.syncPolicy() != SyncPolicy.ALWAYS;
        this.writeFailureLogged = false;
        publish(offset);
        accepted.forEach((append) -> append.sink().success());
    }

    /** Fails the appends that would take the records past the maximum size and returns the rest. */
    private List<PendingAppend> acceptWithinMaxSize(List<PendingAppend> batch) {
        List<PendingAppend> accepted = new ArrayList<>(batch.size());
        long bytes = this.liveBytes;
        for (PendingAppend append : batch) {
            long size = append.bytes();
            if (bytes + size > this.settings.maxBytes()) {
                append.sink().error(full("The spool contains its maximum of " + this.settings.maxBytes() + " bytes"));
                continue;
            }
            bytes += size;
            accepted.add(append);
        }
        return accepted;
    }

    /**
     * Returns why the file cannot take writes now, or null when it can. Reopens a file that
     * MVStore closed after a write error, and keeps a reserve of free disk space, so a full
     * disk is met by a refusal rather than by a failed write in the middle of a chunk.
     */
    private @Nullable AcceptanceException checkWritable() {
        if (!this.file.isOpen() && !reopen()) {
            return full("The spool file is closed after a write error and cannot be opened again yet");
        }
        long usable = usableSpace();
        if (usable < this.settings.diskReserveBytes()) {
            if (!this.writeFailureLogged) {
                logger.warn("Spool disk is nearly full, responding with 503 until space is freed: file={} usable_bytes={}",
                        this.settings.fileName(), usable);
                this.writeFailureLogged = true;
            }
            return full("The spool's disk has less than " + this.settings.diskReserveBytes() + " bytes free");
        }
        return null;
    }

    private long usableSpace() {
        FileStore store = this.settings.disk();
        if (store == null) {
            return Long.MAX_VALUE;
        }
        try {
            return store.getUsableSpace();
        }
        catch (IOException ex) {
            return Long.MAX_VALUE;
        }
    }

    private boolean reopen() {
        long now = System.nanoTime();
        if (now - this.failedAtNanos < REOPEN_PAUSE_NANOS) {
            return false;
        }
        try {
            this.file.reopen();
            removeUncommitted();
            this.liveBytes = this.file.state(SpoolFile.LIVE_BYTES);
            logger.info("Spool file opened again after a write error: file={} committed_offset={}",
                    this.settings.fileName(), this.committedOffset);
            this.readers.forEach(SpoolReader::signal);
            return true;
        }
        catch (RuntimeException ex) {
            this.failedAtNanos = now;
            this.file.closeImmediately();
            logger.debug("Opening the spool file again failed: {}", ex.toString());
            return false;
        }
    }

    /**
     * Removes records of a failed cycle that reached the file before the failure. Their appends
     * were rejected with 503, so the client sends them again and the offsets are given out anew.
     */
    private void removeUncommitted() {
        MVMap<Long, byte[]> records = this.file.records();
        Long key;
        try {
            key = records.ceilingKey(this.committedOffset);
        }
        catch (MVStoreException ex) {
            if (!SpoolFile.isDamage(ex)) {
                throw ex;
            }
            // The last page of the map is damaged, as when the checkpoint deleted every record
            // after it. Failing here would keep the file closed for good; the checkpoint clears
            // the map once every destination is past the damage.
            this.damagedRecordsLeft = true;
            return;
        }
        if (key == null) {
            return;
        }
        while (key != null) {
            records.remove(key);
            key = records.higherKey(key);
        }
        commit(this.settings.syncPolicy() != SyncPolicy.NEVER);
    }

    private AcceptanceException writeFailed(RuntimeException ex) {
        this.failedAtNanos = System.nanoTime();
        if (!this.writeFailureLogged) {
            logger.warn("Spool write failed, responding with 503 until writes succeed again: file={} error={}",
                    this.settings.fileName(), rootCause(ex).toString());
            this.writeFailureLogged = true;
        }
        // MVStore closes itself on a write error; closing here covers errors it survived, so the
        // next cycle always starts from the file's last complete commit.
        this.file.closeImmediately();
        return full("The spool cannot write to disk: " + rootMessage(ex));
    }

    /** Returns the message of the innermost cause, for a response a client reads. */
    private static String rootMessage(Throwable ex) {
        return String.valueOf(rootCause(ex).getMessage());
    }

    /** Returns the innermost cause, whose type a log names too: a message alone, such as "Capacity: N", can hide it. */
    private static Throwable rootCause(Throwable ex) {
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private void commit(boolean sync) {
        this.file.commit(sync);
        if (sync) {
            this.syncs.incrementAndGet();
            this.lastSyncNanos = System.nanoTime();
        }
    }

    private void publish(long offset) {
        this.committedOffset = offset;
        this.readers.forEach(SpoolReader::signal);
    }

    private void maintain(boolean now) {
        if (!this.file.isOpen() && !reopen()) {
            return;
        }
        long time = System.nanoTime();
        try {
            if (this.unsynced && this.settings.syncPolicy() == SyncPolicy.PERIODIC
                    && (now || time - this.lastSyncNanos >= this.settings.syncInterval().toNanos())) {
                commit(true);
                this.unsynced = false;
            }
            if (this.deletionPending) {
                checkpoint(now);
            }
            else if (now || time - this.lastCheckpointNanos >= this.settings.checkpointInterval().toNanos()) {
                this.lastCheckpointNanos = time;
                checkpoint(now);
            }
        }
        catch (RuntimeException ex) {
            this.failedAtNanos = time;
            this.file.closeImmediately();
            logger.warn("Spool checkpoint failed, will retry: file={} error={}", this.settings.fileName(),
                    rootCause(ex).toString());
        }
    }

    /**
     * Persists the destinations' positions and deletes the records below the lowest watermark in
     * the same commit, so a restart never resumes a destination at a deleted record, then
     * compacts a step. The offsets acknowledged above each watermark are persisted too, so that
     * a restart does not deliver them again, unless they take more than
     * {@value #MAX_ACKNOWLEDGED_BYTES} bytes. Unless {@code all}, deletes at most
     * {@value #MAX_DELETES_PER_CHECKPOINT} records, and the writer runs the next checkpoint right
     * after the next writes. Compacts once the deletion is done.
     */
    private void checkpoint(boolean all) {
        Map<DestinationId, SpoolReader.Position> positions = positions();
        long done = positions.values().stream().mapToLong(SpoolReader.Position::watermark).min()
                .orElse(this.committedOffset);
        boolean damageToClear = this.damagedRecordsLeft && done >= this.committedOffset;
        if (positions.equals(this.persistedPositions) && !damageToClear
                && !(this.deletionPending && hasRecordsBelow(done))) {
            this.deletionPending = false;
            compact();
            return;
        }
        positions.forEach((destination, position) -> {
            this.file.putPosition(destination.value(), position.watermark());
            ByteBuffer above = position.acknowledgedAbove();
            byte[] offsets = (above.remaining() <= MAX_ACKNOWLEDGED_BYTES) ? toArray(above) : new byte[0];
            this.file.putAcknowledged(destination.value(), offsets);
        });
        long bytes = Math.max(0, this.liveBytes - deleteBelow(done, all ? Integer.MAX_VALUE : MAX_DELETES_PER_CHECKPOINT));
        // In the same commit as the deletion that left a damaged page last in the map, where the
        // next append would have to read it.
        if (this.damagedRecordsLeft && done >= this.committedOffset && clearRecords()) {
            bytes = 0;
        }
        this.file.putState(SpoolFile.LIVE_BYTES, bytes);
        commit(this.settings.syncPolicy() != SyncPolicy.NEVER);
        this.liveBytes = bytes;
        this.persistedPositions = positions;
        if (!this.deletionPending) {
            compact();
        }
    }

    /**
     * Keeps the file near the size of its live records: rewrites sparse chunks a step at a time,
     * and when the file is still well beyond what its records need, moves chunks down and cuts
     * off the free end.
     */
    private void compact() {
        if (this.compactionStopped) {
            return;
        }
        try {
            this.file.compactChunks(COMPACT_FILL_RATE, COMPACT_WRITE_BYTES);
            long now = System.nanoTime();
            long target = Math.max(2 * this.liveBytes, SHRINK_THRESHOLD_BYTES);
            if (this.file.fileSize() > target && now - this.lastShrinkNanos >= SHRINK_PAUSE_NANOS) {
                this.lastShrinkNanos = now;
                this.file.shrink(SHRINK_MAX_MILLIS, target);
                this.syncs.incrementAndGet();
            }
        }
        catch (MVStoreException ex) {
            if (!SpoolFile.isDamage(ex)) {
                throw ex;
            }
            // Compacting must read every live page of a chunk it moves; a damaged one would fail
            // every checkpoint from now on.
            this.compactionStopped = true;
            logger.warn("The spool file has a damaged page, so it is no longer compacted until the router restarts: "
                    + "file={} error={}", this.settings.fileName(), ex.getMessage());
        }
    }

    /**
     * Shrinks the file toward twice its live records before it closes. While the router runs,
     * checkpoints shrink it at most every {@code SHRINK_PAUSE_NANOS} and in short steps, so a
     * router stopped soon after a backlog drained would leave a file many times the size of its
     * records until the next start.
     */
    private void shrinkBeforeClose() {
        if (!this.file.isOpen() || this.compactionStopped) {
            return;
        }
        long target = Math.max(2 * this.liveBytes, CLOSE_SHRINK_TARGET_BYTES);
        try {
            if (this.file.fileSize() > target) {
                this.file.shrink(CLOSE_SHRINK_MAX_MILLIS, target);
            }
        }
        catch (RuntimeException ex) {
            logger.warn("Shrinking the spool file at close failed; the next start shrinks it: file={} error={}",
                    this.settings.fileName(), rootCause(ex).toString());
        }
    }

    /** Returns whether a record below {@code offset} is left to delete, counting a damaged page as one. */
    private boolean hasRecordsBelow(long offset) {
        try {
            Long first = this.file.records().ceilingKey((this.deletedBelow != null) ? this.deletedBelow : 0L);
            return first != null && first < offset;
        }
        catch (MVStoreException ex) {
            if (!SpoolFile.isDamage(ex)) {
                throw ex;
            }
            return true;
        }
    }

    /**
     * Deletes the records below {@code offset}, at most {@code max} of them, and returns the bytes
     * they took. A record on a damaged page cannot be deleted, so it stays in the file, and the
     * next checkpoint starts past it.
     */
    private long deleteBelow(long offset, int max) {
        MVMap<Long, byte[]> records = this.file.records();
        List<Long> keys = new ArrayList<>();
        long bytes = 0;
        long next = (this.deletedBelow != null) ? this.deletedBelow : 0;
        boolean pending = false;
        try {
            Cursor<Long, byte[]> cursor = records.cursor(this.deletedBelow);
            while (cursor.hasNext()) {
                long key = cursor.next();
                if (key >= offset) {
                    break;
                }
                if (keys.size() == max) {
                    pending = true;
                    break;
                }
                keys.add(key);
                bytes += cursor.getValue().length + RECORD_OVERHEAD_BYTES;
                next = key + 1;
            }
        }
        catch (MVStoreException ex) {
            if (!SpoolFile.isDamage(ex)) {
                throw ex;
            }
            bytes += deleteAroundDamage(records, next, offset);
        }
        keys.forEach(records::remove);
        this.deletedBelow = pending ? next : Math.max(offset, next);
        this.deletionPending = pending;
        return bytes;
    }

    /**
     * Deletes every record once every destination has acknowledged all of them. Records on a
     * damaged page cannot be deleted one by one, and once the pages after them are deleted, the
     * damaged page is where the next append would go. Clearing the map drops a damaged leaf
     * without reading it.
     */
    private boolean clearRecords() {
        try {
            this.file.records().clear();
            this.damagedRecordsLeft = false;
            logger.info("Spool records on a damaged page were dropped with the delivered ones: file={}",
                    this.settings.fileName());
            return true;
        }
        catch (MVStoreException ex) {
            if (!SpoolFile.isDamage(ex)) {
                throw ex;
            }
            return false;
        }
    }

    /** Deletes one key at a time, skipping those on damaged pages; slower, but only after damage. */
    private long deleteAroundDamage(MVMap<Long, byte[]> records, long from, long to) {
        long bytes = 0;
        long damaged = 0;
        for (long key = from; key < to; key++) {
            try {
                byte[] removed = records.remove(key);
                if (removed != null) {
                    bytes += removed.length + RECORD_OVERHEAD_BYTES;
                }
            }
            catch (MVStoreException ex) {
                if (!SpoolFile.isDamage(ex)) {
                    throw ex;
                }
                damaged++;
            }
        }
        if (damaged > 0) {
            this.damagedRecordsLeft = true;
            logger.warn("Delivered events on a damaged page of the spool file cannot be deleted and stay in it: "
                    + "file={} events={} first_offset={}", this.settings.fileName(), damaged, from);
        }
        return bytes;
    }

    private Map<DestinationId, SpoolReader.Position> positions() {
        Map<DestinationId, SpoolReader.Position> positions = new LinkedHashMap<>();
        this.readers.forEach((reader) -> positions.put(reader.id(), reader.position()));
        return positions;
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
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

    private void closeFile() {
        try {
            this.file.close();
        }
        catch (RuntimeException ex) {
            logger.warn("Closing the spool file failed; the next start recovers it: file={} error={}",
                    this.settings.fileName(), rootCause(ex).toString());
            this.file.closeImmediately();
        }
    }

    static AcceptanceException full(String message) {
        return new AcceptanceException(AcceptanceException.Reason.SPOOL_FULL, RETRY_AFTER_FULL, message);
    }

    static AcceptanceException notRunning() {
        return new AcceptanceException(AcceptanceException.Reason.NOT_RUNNING, RETRY_AFTER_FULL, "The spool is closed");
    }

    /** The spool settings the writer uses. */
    record Settings(String fileName, @Nullable FileStore disk, long maxBytes, long diskReserveBytes,
            SyncPolicy syncPolicy, Duration syncInterval, Duration checkpointInterval) {
    }

    private record PendingAppend(List<byte[]> records, MonoSink<Void> sink) {

        long bytes() {
            long bytes = 0;
            for (byte[] record : this.records) {
                bytes += record.length + RECORD_OVERHEAD_BYTES;
            }
            return bytes;
        }

    }

}

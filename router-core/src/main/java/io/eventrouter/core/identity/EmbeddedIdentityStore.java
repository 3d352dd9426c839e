package io.eventrouter.core.identity;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * An identity store in the router's own memory, bounded by a number of links, optionally backed
 * by a file so that a restart keeps the links. The default store for a single router instance.
 *
 * <p>Design: links live in {@link IdentityTable}s keyed by a 64-bit hash of scope, kind and id;
 * only the linked id is stored as bytes, never the id it is looked up by. Keys are spread over
 * {@value #SEGMENTS} segments, each with its own lock, so lookups on different ids rarely contend.
 * Each segment keeps two generations: writes and hits go to the current one, and when the current
 * one is full the previous one is dropped whole. Memory therefore stays within the bound without
 * per-entry bookkeeping, and a link that is still used survives because each hit copies it forward.
 *
 * <p>{@link #prefetch} reads without taking the locks: it only touches memory, so a stale or torn
 * view of a table costs nothing but a wasted read.
 *
 * <p>NOTE: two ids whose 64-bit hashes collide share one entry. With n links the chance of any
 * collision is about n² / 2⁶⁵, roughly 3 in a million at ten million links.
 */
public final class EmbeddedIdentityStore implements SynchronousIdentityStore {

    private static final int SEGMENT_BITS = 4;

    private static final int SEGMENTS = 1 << SEGMENT_BITS;

    /** Rewrites the log once it contains this many times more records than there are live links. */
    private static final int REWRITE_RATIO = 4;

    /** Small logs are never rewritten: the rewrite would cost more than the disk it saves. */
    private static final long MIN_RECORDS_BEFORE_REWRITE = 100_000;

    private static final int REWRITE_CHECK_INTERVAL = 4096;

    private final Segment[] segments = new Segment[SEGMENTS];

    private final @Nullable IdentityLog log;

    private volatile boolean closed;

    /** Receives what {@link #prefetch} reads, so that the compiler cannot drop the reads as unused. */
    @SuppressWarnings("unused")
    private long prefetched;

    private EmbeddedIdentityStore(int maxLinks, @Nullable Path directory) {
        if (maxLinks < 2 * SEGMENTS) {
            throw new IllegalArgumentException("maxLinks must be at least " + 2 * SEGMENTS + ", but was " + maxLinks);
        }
        int generationLimit = maxLinks / (2 * SEGMENTS);
        for (int index = 0; index < SEGMENTS; index++) {
            this.segments[index] = new Segment(generationLimit);
        }
        this.log = (directory != null) ? IdentityLog.open(directory, this::replay) : null;
    }

    /** Creates a store that keeps at most {@code maxLinks} links in memory and nothing on disk. */
    public static EmbeddedIdentityStore inMemory(int maxLinks) {
        return new EmbeddedIdentityStore(maxLinks, null);
    }

    /**
     * Opens a store that keeps at most {@code maxLinks} links in memory and records them in
     * {@code directory}, reading back the links an earlier run recorded there.
     *
     * @throws java.io.UncheckedIOException when the directory cannot be used
     */
    public static EmbeddedIdentityStore open(Path directory, int maxLinks) {
        return new EmbeddedIdentityStore(maxLinks, Objects.requireNonNull(directory, "directory"));
    }

    @Override
    public Mono<IdentityLink> find(IdentityScope scope, LinkKind kind, String id) {
        return Mono.fromSupplier(() -> findNow(scope, kind, id));
    }

    @Override
    public Mono<Void> record(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
        return Mono.fromRunnable(() -> recordNow(scope, kind, id, link));
    }

    @Override
    public @Nullable IdentityLink findNow(IdentityScope scope, LinkKind kind, String id) {
        return find(IdentityKeys.of(scope, kind, id));
    }

    @Override
    public void recordNow(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
        record(IdentityKeys.of(scope, kind, id), link);
    }

    /**
     * Reads each link's slot, then each linked id, in two passes over all links. The reads of one
     * pass do not depend on each other, so the processor sends them to memory together. Lookups
     * one at a time in a table larger than the caches would wait for each read in turn. Reads
     * only the current generation, because every link used recently is there.
     */
    @Override
    public void prefetch(IdentityScope scope, List<LinkKey> links) {
        checkOpen();
        int count = links.size();
        long[] keys = new long[count];
        for (int index = 0; index < count; index++) {
            LinkKey link = links.get(index);
            keys[index] = IdentityKeys.of(scope, link.kind(), link.id());
        }
        long read = 0;
        for (long key : keys) {
            read += segmentOf(key).current.touchSlot(key);
        }
        for (long key : keys) {
            read += segmentOf(key).current.touchValue(key);
        }
        this.prefetched = read;
    }

    /** Returns how many links the store keeps in memory, counting a link in both generations twice. */
    public long size() {
        long size = 0;
        for (Segment segment : this.segments) {
            segment.lock.lock();
            try {
                size += segment.current.size() + segment.previous.size();
            }
            finally {
                segment.lock.unlock();
            }
        }
        return size;
    }

    private @Nullable IdentityLink find(long key) {
        checkOpen();
        return segmentOf(key).find(key);
    }

    private void record(long key, IdentityLink link) {
        checkOpen();
        byte[] bytes = link.linkedId().getBytes(StandardCharsets.UTF_8);
        boolean written = segmentOf(key).putIfNotOlder(key, link.time(), link.sessionId(), bytes, this.log);
        if (written && this.log != null && shouldRewrite(this.log)) {
            rewriteLog(this.log);
        }
    }

    /** Rewrites the log now, so that it contains one record per live link; does nothing without a log. */
    public void compact() {
        checkOpen();
        if (this.log != null) {
            rewriteLog(this.log);
        }
    }

    private void replay(long key, long time, long session, byte[] value) {
        segmentOf(key).putIfNotOlder(key, time, session, value, null);
    }

    /**
     * Checks every {@value #REWRITE_CHECK_INTERVAL} records, because counting the links takes
     * every segment's lock. Takes the log's monitor and the segment locks one after the other,
     * never nested, because writers nest them the other way round.
     */
    private boolean shouldRewrite(IdentityLog log) {
        long records;
        synchronized (log) {
            records = log.records();
        }
        return records > MIN_RECORDS_BEFORE_REWRITE && records % REWRITE_CHECK_INTERVAL == 0
                && records > REWRITE_RATIO * size();
    }

    /**
     * Rewrites the log with the live links. Holds every segment's lock meanwhile, so writes wait;
     * NOTE: with millions of links that pause lasts seconds. Writing a snapshot from a copy in the
     * background would remove it.
     */
    private void rewriteLog(IdentityLog log) {
        for (Segment segment : this.segments) {
            segment.lock.lock();
        }
        try {
            synchronized (log) {
                log.rewrite((sink) -> {
                    for (Segment segment : this.segments) {
                        segment.forEachLive(sink);
                    }
                });
            }
        }
        finally {
            for (Segment segment : this.segments) {
                segment.lock.unlock();
            }
        }
    }

    private Segment segmentOf(long key) {
        return this.segments[(int) (key >>> (Long.SIZE - SEGMENT_BITS))];
    }

    private void checkOpen() {
        if (this.closed) {
            throw new IllegalStateException("The identity store is closed");
        }
    }

    @Override
    public void close() {
        if (this.closed) {
            return;
        }
        this.closed = true;
        if (this.log != null) {
            synchronized (this.log) {
                this.log.close();
            }
        }
    }

    /** A slice of the key space with its own lock and two generations of tables. */
    private static final class Segment {

        final ReentrantLock lock = new ReentrantLock();

        private final int generationLimit;

        IdentityTable current = new IdentityTable();

        IdentityTable previous = new IdentityTable();

        Segment(int generationLimit) {
            this.generationLimit = generationLimit;
        }

        @Nullable IdentityLink find(long key) {
            this.lock.lock();
            try {
                int index = this.current.find(key);
                if (index >= 0) {
                    return entry(this.current, index);
                }
                index = this.previous.find(key);
                if (index < 0) {
                    return null;
                }
                IdentityLink entry = entry(this.previous, index);
                put(key, this.previous.time(index), this.previous.session(index), this.previous.value(index));
                return entry;
            }
            finally {
                this.lock.unlock();
            }
        }

        /**
         * Writes the link unless a newer one is stored. Logs it while still holding the lock, so
         * that the log keeps the order in which writes to one key were applied.
         */
        boolean putIfNotOlder(long key, long time, long session, byte[] value, @Nullable IdentityLog log) {
            this.lock.lock();
            try {
                if (storedTime(key) > time) {
                    return false;
                }
                put(key, time, session, value);
                if (log != null) {
                    synchronized (log) {
                        log.append(key, time, session, value);
                    }
                }
                return true;
            }
            finally {
                this.lock.unlock();
            }
        }

        private long storedTime(long key) {
            int index = this.current.find(key);
            if (index >= 0) {
                return this.current.time(index);
            }
            index = this.previous.find(key);
            return (index >= 0) ? this.previous.time(index) : Long.MIN_VALUE;
        }

        private void put(long key, long time, long session, byte[] value) {
            if (this.current.find(key) < 0 && this.current.size() >= this.generationLimit) {
                this.previous = this.current;
                this.current = new IdentityTable();
            }
            this.current.put(key, time, session, value);
        }

        /**
         * Hands each live link to {@code sink}, a key in both generations only with its current
         * value. The caller holds the lock.
         */
        void forEachLive(IdentityLog.Replay sink) {
            forEach(this.current, sink);
            for (int index = 0; index < this.previous.capacity(); index++) {
                if (this.previous.isUsed(index) && this.current.find(this.previous.key(index)) < 0) {
                    sink.apply(this.previous.key(index), this.previous.time(index), this.previous.session(index),
                            this.previous.value(index));
                }
            }
        }

        private static void forEach(IdentityTable table, IdentityLog.Replay sink) {
            for (int index = 0; index < table.capacity(); index++) {
                if (table.isUsed(index)) {
                    sink.apply(table.key(index), table.time(index), table.session(index), table.value(index));
                }
            }
        }

        /** Copies a link out of the table, so the lock can be released. */
        private static IdentityLink entry(IdentityTable table, int index) {
            return new IdentityLink(table.valueString(index), table.session(index), table.time(index));
        }

    }

}

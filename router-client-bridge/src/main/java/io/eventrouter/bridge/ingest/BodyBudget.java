package io.eventrouter.bridge.ingest;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.eventrouter.core.source.AcceptanceException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Bounds the heap that request bodies take while the bridge handles them. Each body is counted
 * as it is read, and again as it is inflated, until the handler has produced its response: by
 * then its events are in the spool or were rejected. A body that would take the total past the
 * limit fails with an {@link AcceptanceException} ({@link AcceptanceException.Reason#MEMORY_FULL}),
 * which the handlers turn into a 503 with {@code Retry-After}. The rest of that body is read and
 * dropped, up to the route's largest body, so that the client reads the 503 on a connection it
 * may keep, rather than a reset while it still sends.
 *
 * <p>A body is counted at several times its size on the heap while it is decoded and spooled, so
 * a few large {@code /batch} uploads at once would otherwise exhaust a small heap. One request
 * alone may always pass the limit, so that a body larger than the limit is served when the
 * bridge is otherwise idle.
 */
public final class BodyBudget implements HandlerFilterFunction<ServerResponse, ServerResponse> {

    private static final String RESERVATION = BodyBudget.class.getName() + ".reservation";

    private static final String LEFT_UNREAD = BodyBudget.class.getName() + ".left-unread";

    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final long maxBytes;

    private final AtomicLong counted = new AtomicLong();

    private final LongAdder rejected = new LongAdder();

    /**
     * @param maxBytes the most bytes of request bodies held at once; at least 1
     */
    public BodyBudget(long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1, but was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    @Override
    public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
        Reservation reservation = new Reservation();
        request.attributes().put(RESERVATION, reservation);
        return Mono.defer(() -> next.handle(request)).doFinally((signal) -> reservation.release());
    }

    /** Returns the bytes of request bodies counted now. */
    public long heldBytes() {
        return this.counted.get();
    }

    /** Returns how many request bodies were rejected because they did not fit, since the bridge was built. */
    public long refusedBodies() {
        return this.rejected.sum();
    }

    /** Returns the reservation of the request's body, or {@code null} when no budget applies to it. */
    static @Nullable Reservation reservation(ServerRequest request) {
        return (Reservation) request.attributes().get(RESERVATION);
    }

    /** Records that the request's body was rejected and left partly unread, so its connection must close. */
    static void leftUnread(ServerRequest request) {
        request.exchange().getAttributes().put(LEFT_UNREAD, Boolean.TRUE);
    }

    /** Returns whether the exchange's body was rejected and left partly unread. */
    static boolean leftUnread(ServerWebExchange exchange) {
        return Boolean.TRUE.equals(exchange.getAttribute(LEFT_UNREAD));
    }

    /** The bytes counted for one request's body, released once the handler has produced its response. */
    final class Reservation {

        private long bytes;

        private boolean released;

        private boolean rejected;

        /**
         * Counts {@code count} more bytes of the body, unless they would take the total past the
         * limit while other requests have bytes counted. After the release, nothing is counted.
         *
         * @return whether the bytes were counted
         */
        synchronized boolean tryTake(long count) {
            if (this.released) {
                return true;
            }
            long total = BodyBudget.this.counted.addAndGet(count);
            if (total > BodyBudget.this.maxBytes && total - count > this.bytes) {
                BodyBudget.this.counted.addAndGet(-count);
                if (!this.rejected) {
                    this.rejected = true;
                    BodyBudget.this.rejected.increment();
                }
                return false;
            }
            this.bytes += count;
            return true;
        }

        /** Returns the failure of a body that did not fit. */
        AcceptanceException refusal() {
            return new AcceptanceException(AcceptanceException.Reason.MEMORY_FULL, RETRY_AFTER,
                    "Request bodies in memory reached the limit of " + BodyBudget.this.maxBytes
                            + " bytes (router.bridge.limits.max-body-bytes-in-flight); retry later");
        }

        /** Gives back the bytes counted so far, for a rejected body whose buffers were released. */
        synchronized void giveBack() {
            BodyBudget.this.counted.addAndGet(-this.bytes);
            this.bytes = 0;
        }

        private synchronized void release() {
            if (!this.released) {
                this.released = true;
                BodyBudget.this.counted.addAndGet(-this.bytes);
            }
        }

    }

}

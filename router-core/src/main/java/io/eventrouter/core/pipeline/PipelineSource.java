package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Queue;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * A source of the pipeline: a bounded queue of submissions that the pipeline merges with every
 * other source's queue into its single flow. A full queue fails the submission at once, so a
 * burst turns into a response the client can retry instead of heap growth.
 */
final class PipelineSource implements Source {

    /** A queue drains in far less than a second unless the spool stalls; then waiting a second is right. */
    private static final Duration RETRY_AFTER_FULL_QUEUE = Duration.ofSeconds(1);

    private final SourceId id;

    private final Sinks.Many<Submission> queue;

    private final PipelineMetrics metrics;

    private final Queue<Submission> buffer;

    private final int capacity;

    private final SpoolPressure spoolPressure;

    PipelineSource(SourceId id, int capacity, PipelineMetrics metrics, SpoolPressure spoolPressure) {
        this.id = id;
        this.metrics = metrics;
        this.capacity = capacity;
        this.spoolPressure = spoolPressure;
        this.buffer = Queues.<Submission>get(capacity).get();
        metrics.register(id);
        metrics.sourceQueue(id, this.buffer);
        this.queue = Sinks.many().unicast().onBackpressureBuffer(this.buffer);
    }

    @Override
    public SourceId id() {
        return this.id;
    }

    @Override
    public void rejected(String reason, int count) {
        if (count > 0) {
            this.metrics.received(this.id, count);
            this.metrics.rejected(this.id, reason, count);
        }
    }

    @Override
    public Mono<Acceptance> submit(List<Event> events) {
        List<Event> submitted = List.copyOf(events);
        if (submitted.isEmpty()) {
            return Mono.just(new Acceptance(0));
        }
        this.metrics.received(this.id, submitted.size());
        return Mono.create((result) -> {
            Sinks.EmitResult emitted;
            // A unicast sink takes one producer at a time, and callers come from any thread.
            synchronized (this.queue) {
                emitted = this.queue.tryEmitNext(new Submission(this.id, submitted, result));
            }
            if (emitted.isFailure()) {
                AcceptanceException.Reason reason = (emitted == Sinks.EmitResult.FAIL_OVERFLOW)
                        ? AcceptanceException.Reason.QUEUE_FULL : AcceptanceException.Reason.NOT_RUNNING;
                this.metrics.rejected(this.id, DispatchPipeline.rejectionReason(reason), submitted.size());
            }
            if (emitted == Sinks.EmitResult.FAIL_OVERFLOW) {
                result.error(queueFull());
            }
            else if (emitted.isFailure()) {
                result.error(new AcceptanceException(AcceptanceException.Reason.NOT_RUNNING,
                        RETRY_AFTER_FULL_QUEUE, "The pipeline is not accepting events"));
            }
        });
    }

    @Override
    public Optional<AcceptanceException> overload() {
        // The size of a concurrent queue is an estimate, which is all a hint needs.
        if (this.buffer.size() >= this.capacity) {
            return Optional.of(queueFull());
        }
        return Optional.ofNullable(this.spoolPressure.rejection());
    }

    private AcceptanceException queueFull() {
        return new AcceptanceException(AcceptanceException.Reason.QUEUE_FULL, RETRY_AFTER_FULL_QUEUE,
                "The queue of source '" + this.id + "' is full");
    }

    Flux<Submission> submissions() {
        return this.queue.asFlux();
    }

    void stop() {
        synchronized (this.queue) {
            this.queue.tryEmitComplete();
        }
    }

}

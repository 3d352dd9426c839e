package io.eventrouter.web.autoconfigure;

import java.util.Objects;

import io.eventrouter.sdk.EventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Closes the auto-configured {@link EventPublisher} after the web server has stopped and before
 * the pipeline stops, so that events published during shutdown still reach a running pipeline
 * instead of waiting out the publisher's close timeout.
 */
public class PublisherLifecycle implements SmartLifecycle {

    /** Between the pipeline, which stops last, and the bridge's own server and the web server. */
    static final int PHASE = PipelineLifecycle.PHASE + 512;

    private final EventPublisher publisher;

    private volatile boolean running;

    public PublisherLifecycle(EventPublisher publisher) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    @Override
    public void start() {
        this.running = true;
    }

    @Override
    public void stop() {
        this.publisher.close();
        this.running = false;
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

}

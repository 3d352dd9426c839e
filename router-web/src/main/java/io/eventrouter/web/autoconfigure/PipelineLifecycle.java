package io.eventrouter.web.autoconfigure;

import io.eventrouter.core.pipeline.DispatchPipeline;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the pipeline before the web server takes requests and stops it after the server has
 * stopped, so no request reaches a stopped pipeline.
 */
public class PipelineLifecycle implements SmartLifecycle {

    /** Below the web server's phases, so the pipeline starts first and stops last. */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final DispatchPipeline pipeline;

    private volatile boolean running;

    public PipelineLifecycle(DispatchPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public void start() {
        this.pipeline.start();
        this.running = true;
    }

    @Override
    public void stop() {
        this.pipeline.close();
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

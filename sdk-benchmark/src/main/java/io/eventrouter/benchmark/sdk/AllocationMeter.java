package io.eventrouter.benchmark.sdk;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes allocated by every thread of the JVM between {@link #start()} and {@link #stop()}, from
 * {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}. Java 17 keeps no total for
 * threads that have ended. So a sampler thread reads every live thread every 20 ms and keeps the
 * last value of each. A thread that ends loses at most its last 20 ms. The sampler's own
 * allocation is left out.
 */
final class AllocationMeter {

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> atStart = new HashMap<>();

    private final Map<Long, Long> latest = new HashMap<>();

    private volatile boolean running;

    private Thread sampler;

    void start() {
        this.atStart.clear();
        this.latest.clear();
        sample(this.atStart);
        this.running = true;
        this.sampler = new Thread(() -> {
            while (this.running) {
                synchronized (this.latest) {
                    sample(this.latest);
                }
                try {
                    Thread.sleep(20);
                }
                catch (InterruptedException ex) {
                    return;
                }
            }
        }, "allocation-sampler");
        this.sampler.setDaemon(true);
        this.sampler.start();
    }

    /** Returns the bytes allocated since {@link #start()}. */
    long stop() throws InterruptedException {
        this.running = false;
        this.sampler.join();
        sample(this.latest);
        long total = 0;
        for (Map.Entry<Long, Long> entry : this.latest.entrySet()) {
            total += entry.getValue() - this.atStart.getOrDefault(entry.getKey(), 0L);
        }
        return total;
    }

    private void sample(Map<Long, Long> into) {
        long[] ids = this.threads.getAllThreadIds();
        long[] bytes = this.threads.getThreadAllocatedBytes(ids);
        long self = (this.sampler != null) ? this.sampler.getId() : -1;
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0 && ids[i] != self) {
                into.put(ids[i], bytes[i]);
            }
        }
    }

}

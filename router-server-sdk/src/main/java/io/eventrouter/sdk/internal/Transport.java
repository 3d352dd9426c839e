package io.eventrouter.sdk.internal;

/**
 * Carries submissions to the router. Implementations never block in {@link #send} and settle
 * every submission they were given, at the latest in {@link #close()}.
 */
public interface Transport {

    /** Takes a submission and reports its outcome through it later, from any thread. */
    void send(Submission submission);

    /** Sends what waits for a fuller batch now. */
    void flushNow();

    /** Fails every submission not yet settled with {@code CLOSED} and releases threads and connections. */
    void close();

}

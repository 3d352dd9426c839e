package io.eventrouter.core.amplitude;

import java.util.Objects;

/**
 * Signals that an upload request is invalid, carrying the response Amplitude would give. Thrown
 * without a stack trace: it is the expected outcome of bad client input, not a fault.
 */
public class UploadRejectedException extends RuntimeException {

    private final AmplitudeResponse response;

    private final int events;

    public UploadRejectedException(AmplitudeResponse response) {
        this(response, 0);
    }

    /**
     * @param events the number of events in the rejected upload, or 0 when the upload was
     * rejected before its events were read
     */
    public UploadRejectedException(AmplitudeResponse response, int events) {
        super(response.error().orElse("Upload rejected with code " + response.code()), null, false, false);
        this.response = Objects.requireNonNull(response, "response");
        this.events = events;
    }

    /** Returns the number of events in the rejected upload, 0 when it was rejected before they were read. */
    public int events() {
        return this.events;
    }

    public AmplitudeResponse response() {
        return this.response;
    }

}

package io.eventrouter.core.amplitude;

import java.util.Objects;

/**
 * Signals that an upload request is invalid, carrying the response Amplitude would give. Thrown
 * without a stack trace: it is the expected outcome of bad client input, not a fault.
 */
public class UploadRejectedException extends RuntimeException {

    private final AmplitudeResponse response;

    public UploadRejectedException(AmplitudeResponse response) {
        super(response.error().orElse("Upload rejected with code " + response.code()), null, false, false);
        this.response = Objects.requireNonNull(response, "response");
    }

    public AmplitudeResponse response() {
        return this.response;
    }

}

package io.eventrouter.web.e2e;

/**
 * Outcome that an Amplitude SDK reported for one event, such as the {@code Result} that
 * a TypeScript SDK's {@code track} or {@code identify} promise resolves to.
 *
 * @param eventType the event type, {@code $identify} for an identify
 * @param code the HTTP status code that the SDK reported for the event's upload, or
 * {@code 0} when it got no response
 * @param message the SDK's message: for the TypeScript SDKs {@code success: } and the
 * parsed response on HTTP 200, otherwise an error text; for {@code amplitude-js} the
 * response body
 */
public record SdkResult(String eventType, int code, String message) {

    /** Event type that the SDKs give an identify event. */
    public static final String IDENTIFY_EVENT_TYPE = "$identify";

}

package io.eventrouter.web.e2e;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Work for one SDK run: track each event type in order, then send one identify that
 * sets {@code userProperties} with {@code $set}.
 *
 * @param serverUrl the full URL that the SDK posts events to, for example
 * {@code http://127.0.0.1:8080/2/httpapi}
 * @param apiKey the Amplitude API key that the SDK sends with each upload
 * @param userId the user id of every event
 * @param deviceId the device id of every event
 * @param eventTypes the event types to track, in order
 * @param userProperties the user properties that the identify sets
 * @param initOptions options passed to the SDK's {@code init}, which override the
 * harness defaults. Values must serialize to JSON.
 */
public record SdkRequest(String serverUrl, String apiKey, String userId, String deviceId, List<String> eventTypes,
        Map<String, Object> userProperties, Map<String, Object> initOptions) {

    /** User properties that {@link #of} sets with the identify. */
    public static final Map<String, Object> DEFAULT_USER_PROPERTIES = Map.of("plan", "harness");

    public SdkRequest {
        Objects.requireNonNull(serverUrl, "serverUrl");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
        eventTypes = List.copyOf(eventTypes);
        userProperties = Map.copyOf(userProperties);
        initOptions = Map.copyOf(initOptions);
    }

    /**
     * Creates a request that sets {@link #DEFAULT_USER_PROPERTIES} and no extra
     * {@code init} options.
     */
    public static SdkRequest of(String serverUrl, String apiKey, String userId, String deviceId,
            List<String> eventTypes) {
        return new SdkRequest(serverUrl, apiKey, userId, deviceId, eventTypes, DEFAULT_USER_PROPERTIES, Map.of());
    }

    /**
     * Returns a copy that passes {@code initOptions} to the SDK's {@code init}.
     */
    public SdkRequest withInitOptions(Map<String, Object> initOptions) {
        return new SdkRequest(this.serverUrl, this.apiKey, this.userId, this.deviceId, this.eventTypes,
                this.userProperties, initOptions);
    }

    /**
     * Returns a copy whose identify sets {@code userProperties}.
     */
    public SdkRequest withUserProperties(Map<String, Object> userProperties) {
        return new SdkRequest(this.serverUrl, this.apiKey, this.userId, this.deviceId, this.eventTypes,
                userProperties, this.initOptions);
    }

}

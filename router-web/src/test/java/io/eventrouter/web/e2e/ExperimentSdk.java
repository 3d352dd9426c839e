package io.eventrouter.web.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import tools.jackson.databind.JsonNode;

/**
 * Drives {@code @amplitude/experiment-js-client}, unmodified, in {@link HeadlessChromium}
 * on the page that {@link SdkPageServer} serves.
 *
 * <p>A fetch sends {@code GET <serverUrl>/sdk/v2/vardata?v=0} with the headers
 * {@code Authorization: Api-Key <deployment key>} and {@code X-Amp-Exp-User}, the user
 * as base64url-encoded JSON. The page turns off retries, polling and automatic exposure
 * tracking, and points {@code flagsServerUrl} at {@code serverUrl} as well, so the client
 * contacts no Amplitude host. It also sets {@code throwOnError}, so a failed fetch fails
 * the run instead of leaving the client without variants.
 */
public final class ExperimentSdk {

    /** Time that one fetch may take. */
    public static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);

    private ExperimentSdk() {
    }

    /**
     * Work for one fetch of remote evaluation variants.
     *
     * @param serverUrl the URL that the client appends {@code /sdk/v2/vardata} to, for
     * example {@code http://127.0.0.1:8080}; the client's {@code serverUrl} and
     * {@code flagsServerUrl} options
     * @param deploymentKey the Experiment deployment key
     * @param userId the user id of the fetched user
     * @param deviceId the device id of the fetched user
     * @param initOptions options passed to {@code Experiment.initialize}, which override
     * the harness defaults; values must serialize to JSON
     */
    public record FetchRequest(String serverUrl, String deploymentKey, String userId, String deviceId,
            Map<String, Object> initOptions) {

        public FetchRequest {
            Objects.requireNonNull(serverUrl, "serverUrl");
            Objects.requireNonNull(deploymentKey, "deploymentKey");
            initOptions = Map.copyOf(initOptions);
        }

    }

    /**
     * Variant that the client holds for one flag.
     *
     * @param key the variant key
     * @param value the variant value
     * @param payload the variant payload, or {@code null} if it has none
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Variant(String key, String value, JsonNode payload) {
    }

    /**
     * Outcome of one fetch.
     *
     * @param variants the client's variants after the fetch, keyed by flag key
     * @param resourceUrls every URL that the page fetched, from the Resource Timing API
     */
    public record FetchRun(Map<String, Variant> variants, List<String> resourceUrls) {
    }

    private record PageOutput(String error, Map<String, Variant> variants, List<String> resourceUrls)
            implements HarnessPage.Output {
    }

    /**
     * Fetches the variants of the user with {@code userId} and {@code deviceId} and
     * returns the variants that the client then holds.
     *
     * @see #fetchVariants(HeadlessChromium, SdkPageServer, FetchRequest)
     */
    public static FetchRun fetchVariants(HeadlessChromium chromium, SdkPageServer pageServer, String serverUrl,
            String deploymentKey, String userId, String deviceId) {
        return fetchVariants(chromium, pageServer, new FetchRequest(serverUrl, deploymentKey, userId, deviceId,
                Map.of()));
    }

    /**
     * Loads the Experiment page, initializes the client with {@code request}, calls its
     * {@code fetch} and returns the variants that the client then holds.
     *
     * @throws IllegalStateException if the page fails to load the SDK, the fetch fails, for
     * example on a response other than HTTP 200, or it takes longer than
     * {@link #RUN_TIMEOUT}
     */
    public static FetchRun fetchVariants(HeadlessChromium chromium, SdkPageServer pageServer,
            FetchRequest request) {
        PageOutput output = HarnessPage.call(chromium, pageServer, SdkPage.EXPERIMENT, "fetchVariants", request,
                PageOutput.class, RUN_TIMEOUT);
        return new FetchRun(output.variants(), output.resourceUrls());
    }

}

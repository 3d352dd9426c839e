package io.eventrouter.web.e2e;

import java.time.Duration;
import java.util.List;

/**
 * Drives {@code @amplitude/analytics-browser}, unmodified, in {@link HeadlessChromium}
 * on the page that {@link SdkPageServer} serves.
 *
 * <p>Each run reloads the page and clears its cookies and web storage first, so events
 * that an earlier run left unsent are not sent again. The page turns off remote
 * configuration, diagnostics and autocapture, so the SDK sends only the events that the
 * request names and contacts no Amplitude host. It keeps the SDK's other defaults, among
 * them the {@code ip} value {@code $remote} and uncompressed request bodies.
 */
public final class BrowserSdk {

    /**
     * Time that one run may take. The SDK retries an upload that fails with HTTP 5xx or
     * without a response up to {@code flushMaxRetries} times (5 by default in 2.48.1),
     * waiting one second longer before each retry. A test that expects failures can set
     * {@code flushMaxRetries} to 1 through {@link SdkRequest#withInitOptions} to get the
     * results at once.
     */
    public static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);

    private BrowserSdk() {
    }

    private record PageOutput(String error, List<SdkResult> results, List<String> resourceUrls)
            implements HarnessPage.Output {
    }

    /**
     * Tracks {@code eventTypes}, then identifies the user with
     * {@link SdkRequest#DEFAULT_USER_PROPERTIES}, and returns the result that the SDK
     * reported for each call.
     *
     * @see #trackAndIdentify(HeadlessChromium, SdkPageServer, SdkRequest)
     */
    public static BrowserRun trackAndIdentify(HeadlessChromium chromium, SdkPageServer pageServer,
            String serverUrl, String apiKey, String userId, String deviceId, List<String> eventTypes) {
        return trackAndIdentify(chromium, pageServer, SdkRequest.of(serverUrl, apiKey, userId, deviceId, eventTypes));
    }

    /**
     * Loads the browser SDK page, runs {@code request} with the SDK's own {@code track},
     * {@code identify} and {@code flush}, and waits for every call's promise.
     *
     * @throws IllegalStateException if the page fails to load the SDK, the SDK throws, or
     * the run takes longer than {@link #RUN_TIMEOUT}
     */
    public static BrowserRun trackAndIdentify(HeadlessChromium chromium, SdkPageServer pageServer,
            SdkRequest request) {
        PageOutput output = HarnessPage.call(chromium, pageServer, SdkPage.ANALYTICS_BROWSER, "trackAndIdentify",
                request, PageOutput.class, RUN_TIMEOUT);
        return new BrowserRun(output.results(), output.resourceUrls());
    }

}

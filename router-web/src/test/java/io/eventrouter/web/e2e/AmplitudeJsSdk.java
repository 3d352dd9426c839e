package io.eventrouter.web.e2e;

import java.time.Duration;
import java.util.List;

/**
 * Drives {@code amplitude-js} 8, Amplitude's maintenance browser SDK, unmodified, in
 * {@link HeadlessChromium} on the page that {@link SdkPageServer} serves.
 *
 * <p>Unlike the TypeScript SDKs, {@code amplitude-js} posts form-encoded batches
 * ({@code client}, {@code e}, {@code v}, {@code upload_time}, {@code checksum}) and
 * treats any HTTP 200 as success, whatever the body. The page sets {@code batchEvents}, so
 * the SDK uploads all of a run's events in one batch when the run calls
 * {@code sendEvents}, instead of one upload for each {@code logEvent}. Each run reloads
 * the page and clears its cookies and web storage first.
 */
public final class AmplitudeJsSdk {

    /**
     * Time that one run may take. On a response other than HTTP 200 the SDK calls each
     * event's error callback at once and keeps the batch queued for a later upload, which
     * the next run discards by reloading the page.
     */
    public static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);

    private AmplitudeJsSdk() {
    }

    private record PageOutput(String error, List<SdkResult> results, List<String> resourceUrls)
            implements HarnessPage.Output {
    }

    /**
     * Logs {@code eventTypes}, then identifies the user with
     * {@link SdkRequest#DEFAULT_USER_PROPERTIES}, and returns the status and body that
     * the SDK passed to each call's callback.
     *
     * @see #logEventsAndIdentify(HeadlessChromium, SdkPageServer, SdkRequest)
     */
    public static BrowserRun logEventsAndIdentify(HeadlessChromium chromium, SdkPageServer pageServer,
            String serverUrl, String apiKey, String userId, String deviceId, List<String> eventTypes) {
        return logEventsAndIdentify(chromium, pageServer,
                SdkRequest.of(serverUrl, apiKey, userId, deviceId, eventTypes));
    }

    /**
     * Loads the {@code amplitude-js} page, runs {@code request} with the SDK's
     * {@code logEvent}, {@code identify} and {@code sendEvents}, and waits for every
     * call's callback. {@link SdkRequest#serverUrl()} becomes the SDK's
     * {@code apiEndpoint} and {@code forceHttps} options. In each {@link SdkResult}, the
     * message is the response body.
     *
     * @throws IllegalStateException if the page fails to load the SDK, the SDK throws, or
     * the run takes longer than {@link #RUN_TIMEOUT}
     */
    public static BrowserRun logEventsAndIdentify(HeadlessChromium chromium, SdkPageServer pageServer,
            SdkRequest request) {
        PageOutput output = HarnessPage.call(chromium, pageServer, SdkPage.AMPLITUDE_JS, "trackAndIdentify",
                request, PageOutput.class, RUN_TIMEOUT);
        return new BrowserRun(output.results(), output.resourceUrls());
    }

}

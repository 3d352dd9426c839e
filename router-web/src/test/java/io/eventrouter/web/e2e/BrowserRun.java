package io.eventrouter.web.e2e;

import java.util.List;

/**
 * Outcome of one run of a browser SDK that sends events.
 *
 * @param results the SDK's result for each tracked event, in request order, and then for
 * the identify
 * @param resourceUrls every URL that the page fetched, from the Resource Timing API,
 * including the SDK script and the SDK's uploads
 */
public record BrowserRun(List<SdkResult> results, List<String> resourceUrls) {

    /**
     * Returns the HTTP status code that the SDK reported for each call, in the order of
     * {@link #results()}.
     */
    public List<Integer> codes() {
        return this.results.stream().map(SdkResult::code).toList();
    }

}

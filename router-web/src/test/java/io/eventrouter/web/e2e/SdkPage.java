package io.eventrouter.web.e2e;

/**
 * Amplitude browser SDKs that {@link SdkPageServer} serves, each with the page that
 * loads its script.
 *
 * <p>Paths are relative to the JavaScript test folder.
 */
public enum SdkPage {

    /** {@code @amplitude/analytics-browser}, the current browser SDK, which defines {@code window.amplitude}. */
    ANALYTICS_BROWSER("pages/analytics-browser.html",
            "node_modules/@amplitude/analytics-browser/lib/scripts/amplitude-min.js"),

    /** {@code amplitude-js}, the maintenance browser SDK, which defines {@code window.amplitude}. */
    AMPLITUDE_JS("pages/amplitude-js.html", "node_modules/amplitude-js/amplitude.umd.min.js"),

    /** {@code @amplitude/experiment-js-client}, whose browser bundle defines {@code window.Experiment}. */
    EXPERIMENT("pages/experiment.html", "node_modules/@amplitude/experiment-js-client/dist/experiment-browser.min.js");

    private final String pagePath;

    private final String scriptPath;

    SdkPage(String pagePath, String scriptPath) {
        this.pagePath = pagePath;
        this.scriptPath = scriptPath;
    }

    /**
     * Returns the page's path relative to the JavaScript test folder.
     */
    public String pagePath() {
        return this.pagePath;
    }

    /**
     * Returns the path of the SDK script that the page loads, relative to the JavaScript
     * test folder.
     */
    public String scriptPath() {
        return this.scriptPath;
    }

}

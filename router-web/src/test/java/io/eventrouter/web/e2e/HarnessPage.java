package io.eventrouter.web.e2e;

import java.time.Duration;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls a function of {@code window.eventRouterHarness}, which each page under
 * {@code pages/} defines, and reads the JSON that its promise resolves to.
 */
final class HarnessPage {

    static final JsonMapper jsonMapper = JsonMapper.builder().build();

    // WebDriver appends the callback as the last argument. A rejected promise comes back
    // as an "error" value instead, so the Java side can report the JavaScript stack.
    private static final String CALL_SCRIPT = """
            const functionName = arguments[0];
            const request = JSON.parse(arguments[1]);
            const done = arguments[arguments.length - 1];
            const harness = window.eventRouterHarness;
            if (!harness || typeof harness[functionName] !== 'function') {
              done(JSON.stringify({ error: 'The page defines no eventRouterHarness.' + functionName
                + ', so it or its SDK script failed to load' }));
              return;
            }
            harness[functionName](request).then(
              (output) => done(JSON.stringify(output)),
              (error) => done(JSON.stringify({ error: String((error && error.stack) || error) })));
            """;

    private HarnessPage() {
    }

    /**
     * Output of a harness function: either {@code error} or the function's own fields.
     */
    interface Output {

        String error();

    }

    /**
     * Loads {@code page} with no cookies, calls {@code functionName} with {@code request}
     * serialized to JSON, and returns its output as {@code outputType}.
     *
     * @throws IllegalStateException if the page fails to load its SDK, the function
     * rejects or returns invalid JSON, or the call takes longer than {@code timeout}
     */
    static <T extends Output> T call(HeadlessChromium chromium, SdkPageServer pageServer, SdkPage page,
            String functionName, Object request, Class<T> outputType, Duration timeout) {
        chromium.open(pageServer.pageUri(page));
        // A reload keeps cookies, and they belong to the host rather than the port, so an
        // earlier run's SDK identity would otherwise carry over into this one.
        chromium.deleteAllCookies();
        Object output = chromium.executeAsync(timeout, CALL_SCRIPT, functionName,
                jsonMapper.writeValueAsString(request));
        if (!(output instanceof String json)) {
            throw chromium.buildFailure(functionName + " returned " + output + " instead of a JSON string", null);
        }
        T parsed;
        try {
            parsed = jsonMapper.readValue(json, outputType);
        }
        catch (JacksonException ex) {
            throw chromium.buildFailure(functionName + " returned invalid JSON: " + json, ex);
        }
        if (parsed.error() != null) {
            throw chromium.buildFailure(functionName + " failed: " + parsed.error(), null);
        }
        return parsed;
    }

}

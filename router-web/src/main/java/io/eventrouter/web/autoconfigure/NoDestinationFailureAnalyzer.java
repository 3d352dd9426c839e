package io.eventrouter.web.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start without any destination and how to give events somewhere to go.
 */
class NoDestinationFailureAnalyzer extends AbstractFailureAnalyzer<NoDestinationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NoDestinationException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Enable a destination: set router.destinations.file.enabled=true, or "
                        + "router.destinations.amplitude.enabled=true with router.destinations.amplitude.url, "
                        + "or define a bean of type io.eventrouter.core.destination.Destination.",
                cause);
    }

}

package io.eventrouter.web.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start whose client bridge server, in a Servlet application, could not listen on
 * {@code router.bridge.port}, instead of the long stack trace that ends in Reactor Netty's bind
 * exception.
 */
class BridgeServerBindFailureAnalyzer extends AbstractFailureAnalyzer<BridgeServerBindException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BridgeServerBindException cause) {
        String action = "Stop the process that listens on port " + cause.port() + ", or set router.bridge.port to "
                + "a free port other than server.port (0 picks one at start). To serve the bridge on the "
                + "application's own port instead, set router.bridge.share-application-port=true and "
                + "router.bridge.path-prefix.";
        if (cause.address() != null) {
            action += " If the port is free, check that router.bridge.address ('" + cause.address() + "') is an "
                    + "address of this machine.";
        }
        return new FailureAnalysis(cause.getMessage(), action, cause);
    }

}

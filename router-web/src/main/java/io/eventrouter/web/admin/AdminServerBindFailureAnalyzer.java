package io.eventrouter.web.admin;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start whose admin server could not listen on {@code router.admin.port}, instead of
 * the long stack trace that ends in Reactor Netty's bind exception.
 */
class AdminServerBindFailureAnalyzer extends AbstractFailureAnalyzer<AdminServerBindException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, AdminServerBindException cause) {
        String action = "Stop the process that listens on port " + cause.port() + ", or set router.admin.port to "
                + "a free port other than server.port (0 picks one at start). If the port is free, check that "
                + "router.admin.address ('" + cause.address() + "') is an address of this machine.";
        return new FailureAnalysis(cause.getMessage(), action, cause);
    }

}

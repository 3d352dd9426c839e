package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;

import io.eventrouter.bridge.ClientBridge;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.context.ApplicationContextException;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class BridgeServerBindFailureAnalyzerTests {

    @Test
    void reportsBridgePortInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            BridgeServer server = new BridgeServer(ClientBridge.builder(new NeverSource()).build(), "127.0.0.1", port);
            // Spring wraps what a lifecycle bean's start throws.
            Throwable failure = new ApplicationContextException("Failed to start bean 'eventRouterBridgeServer'",
                    catchThrowable(server::start));

            FailureAnalysis analysis = new BridgeServerBindFailureAnalyzer().analyze(failure);

            assertThat(server.isRunning()).isFalse();
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("127.0.0.1:" + port, "router.bridge.port");
            assertThat(analysis.getAction()).contains("port " + port, "router.bridge.port",
                    "router.bridge.share-application-port", "router.bridge.address ('127.0.0.1')");
        }
    }

    @Test
    void reportsPortOfEveryInterface() {
        BridgeServerBindException failure = new BridgeServerBindException(null, 48081,
                new BindException("Address already in use"));

        FailureAnalysis analysis = new BridgeServerBindFailureAnalyzer().analyze(failure);

        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).isEqualTo("The client bridge's server could not listen on port 48081 "
                + "of every interface (router.bridge.port): Address already in use");
        assertThat(analysis.getAction()).contains("port 48081", "router.bridge.port")
                .doesNotContain("router.bridge.address");
    }

    @Test
    void ignoresOtherFailures() {
        assertThat(new BridgeServerBindFailureAnalyzer().analyze(new IllegalStateException("broken"))).isNull();
    }

    @Test
    void isRegisteredWithSpringBoot() {
        // Boot's own analyzers need a bean factory to be created, which this test does not give them.
        SpringFactoriesLoader.FailureHandler skipOthers = (type, name, failure) -> {
        };

        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class, null, skipOthers))
                .hasAtLeastOneElementOfType(BridgeServerBindFailureAnalyzer.class);
    }

}

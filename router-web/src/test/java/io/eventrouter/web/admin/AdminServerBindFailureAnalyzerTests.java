package io.eventrouter.web.admin;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.context.ApplicationContextException;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class AdminServerBindFailureAnalyzerTests {

    @Test
    void reportsAdminPortInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            AdminServer server = new AdminServer("127.0.0.1", taken.getLocalPort(),
                    RouterFunctions.route().GET("/admin/destinations", (request) -> ServerResponse.ok().build())
                            .build());
            // Spring wraps what a lifecycle bean's start throws.
            Throwable failure = new ApplicationContextException("Failed to start bean 'eventRouterAdminServer'",
                    catchThrowable(server::start));

            FailureAnalysis analysis = new AdminServerBindFailureAnalyzer().analyze(failure);

            assertThat(server.isRunning()).isFalse();
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription())
                    .contains("127.0.0.1:" + taken.getLocalPort(), "router.admin.port");
            assertThat(analysis.getAction()).contains("router.admin.port", "port " + taken.getLocalPort());
        }
    }

    @Test
    void ignoresOtherFailures() {
        assertThat(new AdminServerBindFailureAnalyzer().analyze(new IllegalStateException("broken"))).isNull();
    }

    @Test
    void isRegisteredWithSpringBoot() {
        // Boot's own analyzers need a bean factory to be created, which this test does not give them.
        SpringFactoriesLoader.FailureHandler skipOthers = (type, name, failure) -> {
        };

        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class, null, skipOthers))
                .hasAtLeastOneElementOfType(AdminServerBindFailureAnalyzer.class);
    }

}

package io.eventrouter.web.admin;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.eventrouter.web.CapturedLogs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;

class AdminTokenFilterTests {

    private static final String TOKEN = "admin-secret-0123456789";

    @RegisterExtension
    final CapturedLogs logs = new CapturedLogs(AdminTokenFilter.class);

    private final WebTestClient client = WebTestClient.bindToRouterFunction(RouterFunctions.route()
            .GET("/admin/destinations", (request) -> ServerResponse.ok().bodyValue("{}"))
            .filter(new AdminTokenFilter(TOKEN))
            .build()).build();

    @Test
    void rejectionsLogOneWarningThenDebug() {
        this.client.get().uri("/admin/destinations").header(HttpHeaders.AUTHORIZATION, "Bearer wrong-token-1")
                .exchange().expectStatus().isUnauthorized();
        this.client.get().uri("/admin/destinations").exchange().expectStatus().isUnauthorized();
        this.client.get().uri("/admin/destinations").header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .exchange().expectStatus().isOk();

        List<ILoggingEvent> events = this.logs.events();
        assertThat(events).extracting(ILoggingEvent::getLevel).containsExactly(Level.WARN, Level.DEBUG);
        assertThat(events.get(0).getFormattedMessage())
                .startsWith("Admin request rejected without a valid token: method=GET path=/admin/destinations")
                .endsWith("rejected_since_last_warning=1");
        assertThat(events).allSatisfy((event) -> assertThat(event.getFormattedMessage())
                .doesNotContain("wrong-token-1")
                .doesNotContain(TOKEN));
    }

}

package io.eventrouter.web;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone router's connection limits: it closes connections that stay idle or stall in
 * their headers, and takes the large cookie headers of a site's own domain. Larger headers get
 * Amplitude's error body and a CORS header.
 */
class IdleConnectionIntegrationTests {

    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

    @TempDir
    private Path directory;

    @Test
    void standaloneDefaultsBoundIdleConnections() {
        assertThat(EventRouterApplication.defaultProperties()).containsEntry("server.netty.idle-timeout", "75s");
        assertThat(EventRouterApplication.defaultProperties())
                .containsEntry("logging.level.reactor.netty.http.server.HttpServerOperations", "error")
                .containsEntry("logging.level.reactor.netty.http.client.HttpClientConnect", "error");
        assertThat(EventRouterApplication.defaultProperties())
                .containsEntry("server.max-http-request-header-size", "32KB");
        assertThat(EventRouterApplication.defaultProperties())
                .containsEntry("spring.web.resources.add-mappings", "false");
    }

    @Test
    void takesLargeCookiesAndExplainsLargerOnes() throws Exception {
        StringBuilder cookies = new StringBuilder();
        for (int i = 0; cookies.length() < 20_000; i++) {
            cookies.append("site_cookie_").append(i).append('=').append("v".repeat(100)).append("; ");
        }
        String body = "{\"api_key\":\"key-1\",\"events\":[{\"event_type\":\"page\",\"device_id\":\"device-1\"}]}";
        try (RouterProcess router = RouterProcess.start("large-cookies", JVM_OPTIONS, properties(Map.of()))) {
            HttpRequest request = HttpRequest.newBuilder(router.uri("/2/httpapi"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("Cookie", cookies.toString())
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();

            HttpResponse<String> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).contains("\"events_ingested\":1");

            HttpRequest overLimit = HttpRequest.newBuilder(request, (name, value) -> true)
                    .setHeader("Cookie", cookies.toString().repeat(2))
                    .setHeader("Origin", "https://shop.example")
                    .build();
            HttpResponse<String> tooLarge = HttpClient.newHttpClient().send(overLimit,
                    HttpResponse.BodyHandlers.ofString());

            assertThat(tooLarge.statusCode()).isEqualTo(431);
            assertThat(tooLarge.body()).isEqualTo("{\"code\":431,\"error\":\"Request headers too large\"}");
            assertThat(tooLarge.headers().firstValue("Access-Control-Allow-Origin")).contains("*");
        }
    }

    @Test
    void closesConnectionStalledInItsHeaders() throws IOException {
        try (RouterProcess router = RouterProcess.start("idle-connection", JVM_OPTIONS,
                properties(Map.of("server.netty.idle-timeout", "1s")))) {
            StalledConnections.assertClosed(router.uri("/").getPort());
        }
    }

    /** Returns {@code extra} with the router's files placed in the test's folder. */
    private Map<String, String> properties(Map<String, String> extra) {
        Map<String, String> properties = new HashMap<>(extra);
        properties.put("router.spool.path", this.directory.resolve("spool").toString());
        properties.put("router.dead-letters.path", this.directory.resolve("dead-letters.mv.db").toString());
        properties.put("router.identity.embedded.directory", this.directory.resolve("identity").toString());
        properties.put("router.destinations.file.path", this.directory.resolve("events.jsonl").toString());
        return properties;
    }

}

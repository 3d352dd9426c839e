package io.eventrouter.samples.servlet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.eventrouter.sdk.EventPublisher;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.address=127.0.0.1")
class ServletRouterIntegrationTests {

    private static final Path EVENTS = createEventsFile();

    private final HttpClient http = HttpClient.newHttpClient();

    @Value("${local.server.port}")
    int port;

    @Autowired
    WebServerApplicationContext context;

    private static Path createEventsFile() {
        try {
            return Files.createTempDirectory("servlet-sample").resolve("events.jsonl");
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not create a directory for the events file", ex);
        }
    }

    @DynamicPropertySource
    static void eventsFile(DynamicPropertyRegistry registry) {
        registry.add("router.destinations.file.path", EVENTS::toString);
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String storedEvents() throws IOException {
        return Files.exists(EVENTS) ? Files.readString(EVENTS) : "";
    }

    private static String storedLine(String text) throws IOException {
        return storedEvents().lines().filter((line) -> line.contains(text)).findFirst().orElse(null);
    }

    @Test
    void applicationRunsOnServletServer() {
        assertThat(this.context.getWebServer().getClass().getSimpleName()).startsWith("Tomcat");
        assertThat(this.context.getBean(EventPublisher.class)).isNotNull();
    }

    @Test
    void bridgeAcceptsUploadOnApplicationPort() throws Exception {
        String upload = "{\"api_key\":\"sample-api-key\",\"events\":[{\"event_type\":\"Browser Event\","
                + "\"user_id\":\"servlet-user-1\"}]}";

        HttpResponse<String> response = post("/amplitude/2/httpapi", upload);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"code\":200");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> storedEvents().contains("Browser Event"));
    }

    @Test
    void bridgeAcceptsLargeCookies() throws Exception {
        String upload = "{\"api_key\":\"sample-api-key\",\"events\":[{\"event_type\":\"Cookie Event\","
                + "\"user_id\":\"servlet-user-4\"}]}";

        HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + this.port + "/amplitude/2/httpapi"))
                .header("Content-Type", "application/json")
                .header("Cookie", "site_cookie=" + "c".repeat(12_000))
                .POST(HttpRequest.BodyPublishers.ofString(upload))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void controllerPublishesServerEvent() throws Exception {
        HttpResponse<String> response = post("/users/servlet-user-2/orders", "{}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("accepted");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> storedEvents().contains("servlet-user-2"));
    }

    @Test
    void controllerRejectsShortUserId() throws Exception {
        HttpResponse<String> response = post("/users/ab/orders", "{}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("shorter than 5 characters");
    }

    @Test
    void controllerEventCarriesThePagesDeviceAndSession() throws Exception {
        HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + this.port + "/users/servlet-user-3/orders"))
                .header("Content-Type", "application/json")
                .header("X-Amplitude-Device-Id", "servlet-browser-d3")
                .header("X-Amplitude-Session-Id", "1733313600000")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        String line = Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> storedLine("servlet-user-3"), (found) -> found != null);
        assertThat(line).contains("\"device_id\":\"servlet-browser-d3\"");
        assertThat(line).contains("\"session_id\":1733313600000");
    }

    @Test
    void applicationPathsOutsidePrefixStayWithSpringMvc() throws Exception {
        HttpResponse<String> response = post("/2/httpapi", "{}");

        assertThat(response.statusCode()).isEqualTo(404);
    }

}

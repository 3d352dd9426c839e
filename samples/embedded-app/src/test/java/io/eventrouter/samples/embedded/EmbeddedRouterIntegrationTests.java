package io.eventrouter.samples.embedded;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.address=127.0.0.1")
class EmbeddedRouterIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Path EVENTS = createEventsFile();

    private final HttpClient http = HttpClient.newHttpClient();

    @Value("${local.server.port}")
    int port;

    private static Path createEventsFile() {
        try {
            return Files.createTempDirectory("embedded-sample").resolve("events.jsonl");
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not create a directory for the events file", ex);
        }
    }

    @DynamicPropertySource
    static void eventsFile(DynamicPropertyRegistry registry) {
        registry.add("router.destinations.file.path", EVENTS::toString);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return this.http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return this.http.send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + this.port + path);
    }

    private static List<JsonNode> storedEvents() throws IOException {
        List<JsonNode> events = new ArrayList<>();
        if (Files.exists(EVENTS)) {
            for (String line : Files.readAllLines(EVENTS)) {
                if (!line.isBlank()) {
                    events.add(JSON.readTree(line));
                }
            }
        }
        return events;
    }

    private static Optional<JsonNode> storedEvent(String eventType, String userId) throws IOException {
        return storedEvents().stream()
                .filter((event) -> event.path("event_type").asString().equals(eventType))
                .filter((event) -> event.path("user_id").asString().equals(userId))
                .findFirst();
    }

    @Test
    void pageLoadsBrowserSdkFromApplication() throws Exception {
        HttpResponse<String> page = get("/");
        HttpResponse<String> script = get("/js/amplitude-min.js");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"/js/amplitude-min.js\"></script>");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).contains("amplitude");
    }

    @Test
    void browserAndServerEventsShareUserIdAfterLogin() throws Exception {
        String upload = "{\"api_key\":\"sample-api-key\",\"events\":[{\"event_type\":\"Logged In (browser)\","
                + "\"user_id\":\"http-user-1\",\"device_id\":\"http-device-1\"}]}";

        HttpResponse<String> bridge = post("/amplitude/2/httpapi", upload);
        HttpResponse<String> login = post("/login", "{\"userId\":\"http-user-1\",\"deviceId\":\"http-device-1\"}");

        assertThat(bridge.statusCode()).isEqualTo(200);
        assertThat(login.statusCode()).isEqualTo(200);
        Awaitility.await().atMost(TIMEOUT).until(() -> storedEvent("Logged In", "http-user-1").isPresent()
                && storedEvent("Logged In (browser)", "http-user-1").isPresent());
        JsonNode server = storedEvent("Logged In", "http-user-1").orElseThrow();
        assertThat(server.path("device_id").asString()).isEqualTo("http-device-1");
        assertThat(storedEvent("$identify", "http-user-1")).isPresent();
    }

    @Test
    void loginRejectsShortUserId() throws Exception {
        HttpResponse<String> login = post("/login", "{\"userId\":\"abc\"}");

        assertThat(login.statusCode()).isEqualTo(400);
        assertThat(login.body()).contains("userId");
    }

    @Test
    void loginRejectsInvalidIds() throws Exception {
        HttpResponse<String> placeholder = post("/login", "{\"userId\":\"undefined\"}");
        HttpResponse<String> shortDevice = post("/login", "{\"userId\":\"sample-user-2\",\"deviceId\":\"ab\"}");

        assertThat(placeholder.statusCode()).as(placeholder.body()).isEqualTo(400);
        assertThat(shortDevice.statusCode()).as(shortDevice.body()).isEqualTo(400);
        assertThat(shortDevice.body()).contains("device_id");
    }

    @Test
    void browserSdkOnPageSharesUserIdWithServer() throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/chromium").canExecute()
                && new File("/usr/bin/chromedriver").canExecute(), "Chromium and chromedriver are not installed");
        Path profile = Files.createTempDirectory("embedded-sample-chromium");
        ChromeOptions options = new ChromeOptions()
                .setBinary("/usr/bin/chromium")
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        // The performance log lists every request the page sends, including those that fail.
        options.setCapability("goog:loggingPrefs", Map.of("performance", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .build();
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.get(uri("/").toString());
            WebDriverWait wait = new WebDriverWait(browser, TIMEOUT);
            wait.until(ExpectedConditions.attributeToBe(By.id("status"), "data-ready", "true"));
            browser.findElement(By.id("user-id")).clear();
            browser.findElement(By.id("user-id")).sendKeys("browser-user-1");

            browser.findElement(By.cssSelector("#login button")).click();

            wait.until(ExpectedConditions.textToBe(By.id("status"), "Logged in as browser-user-1"));
            // First party: the SDK sends nothing to Amplitude's own hosts, remote configuration included.
            assertThat(requestedUrls(browser)).isNotEmpty().allSatisfy((url) -> assertThat(url)
                    .startsWith(uri("/").toString()));
        }
        finally {
            browser.quit();
            FileSystemUtils.deleteRecursively(profile);
        }
        Awaitility.await().atMost(TIMEOUT).until(() -> storedEvent("Logged In (browser)", "browser-user-1").isPresent()
                && storedEvent("Logged In", "browser-user-1").isPresent());
        JsonNode browserEvent = storedEvent("Logged In (browser)", "browser-user-1").orElseThrow();
        JsonNode serverEvent = storedEvent("Logged In", "browser-user-1").orElseThrow();
        assertThat(serverEvent.path("device_id").asString()).isEqualTo(browserEvent.path("device_id").asString());
        assertThat(storedEvents()).anyMatch((event) -> event.path("event_type").asString().equals("Page Viewed"));
    }

    /** Returns the URL of every HTTP request the page sent, from Chromium's performance log. */
    private static List<String> requestedUrls(ChromeDriver browser) {
        List<String> urls = new ArrayList<>();
        for (LogEntry entry : browser.manage().logs().get("performance")) {
            JsonNode message = JSON.readTree(entry.getMessage()).path("message");
            String url = message.path("params").path("request").path("url").asString("");
            if (message.path("method").asString("").equals("Network.requestWillBeSent") && url.startsWith("http")) {
                urls.add(url);
            }
        }
        return urls;
    }

}

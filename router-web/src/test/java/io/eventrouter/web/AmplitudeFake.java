package io.eventrouter.web;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import org.awaitility.core.ConditionTimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.awaitility.Awaitility.await;

/**
 * WireMock standing in for Amplitude's HTTP V2 API. It records the insert id of every event it
 * accepts with 200 and keeps no request journal, so that large uploads do not fill the test's heap.
 */
final class AmplitudeFake implements AutoCloseable {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final Set<String> received = ConcurrentHashMap.newKeySet();

    private final AtomicLong deliveries = new AtomicLong();

    private final WireMockServer server;

    AmplitudeFake() {
        this.server = new WireMockServer(options()
                .bindAddress("127.0.0.1")
                .dynamicPort()
                .disableRequestJournal()
                .extensions(new Recorder()));
        this.server.start();
        up();
    }

    String url() {
        return "http://127.0.0.1:" + this.server.port();
    }

    /** Responds to every upload with Amplitude's success body. */
    void up() {
        this.server.stubFor(post(urlPathEqualTo("/2/httpapi")).willReturn(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\":200,\"events_ingested\":1,\"payload_size_bytes\":1,\"server_upload_time\":1}")));
    }

    /** Responds to every upload with 503, as during an Amplitude outage. */
    void down() {
        this.server.stubFor(post(urlPathEqualTo("/2/httpapi")).willReturn(aResponse()
                .withStatus(503)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\":503,\"error\":\"Service unavailable\"}")));
    }

    Set<String> receivedInsertIds() {
        return this.received;
    }

    /**
     * Waits until every one of {@code insertIds} arrived. A timeout fails with how many are
     * missing and how the router fared, since its log is not in the test's output.
     */
    void awaitReceived(Set<String> insertIds, Duration timeout, RouterProcess router) {
        try {
            await().atMost(timeout).until(() -> this.received.containsAll(insertIds));
        }
        catch (ConditionTimeoutException ex) {
            List<String> missing = insertIds.stream()
                .filter((insertId) -> !this.received.contains(insertId))
                .sorted()
                .toList();
            throw new AssertionError(missing.size() + " of " + insertIds.size()
                    + " acknowledged events did not arrive within " + timeout + ", among them "
                    + missing.subList(0, Math.min(10, missing.size())) + "; the router is " + router.describe(), ex);
        }
    }

    long deliveries() {
        return this.deliveries.get();
    }

    @Override
    public void close() {
        this.server.stop();
    }

    private final class Recorder implements ServeEventListener {

        @Override
        public void beforeResponseSent(ServeEvent serveEvent, Parameters parameters) {
            if (serveEvent.getResponseDefinition().getStatus() != 200) {
                return;
            }
            JsonNode upload = MAPPER.readTree(serveEvent.getRequest().getBody());
            upload.get("events").forEach((event) -> AmplitudeFake.this.received.add(event.get("insert_id").asString()));
            AmplitudeFake.this.deliveries.incrementAndGet();
        }

        @Override
        public String getName() {
            return "insert-id-recorder";
        }

    }

}

package io.eventrouter.bridge;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import tools.jackson.databind.JsonNode;

import static io.eventrouter.bridge.Json.quoted;
import static org.assertj.core.api.Assertions.assertThat;

/** The bridge's own limits, enforced with Amplitude's 429 shape. */
class ThrottlingIntegrationTests {

    private final AtomicLong nanoTime = new AtomicLong();

    private BridgeServer server;

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.close();
        }
    }

    private EntityExchangeResult<byte[]> post(String path, String singleQuotedJson) {
        return this.server.client().post().uri(path)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(quoted(singleQuotedJson))
                .exchange()
                .expectBody().returnResult();
    }

    private static String event(String deviceId) {
        return "{'event_type':'e','device_id':'" + deviceId + "'}";
    }

    @Test
    void throttlesOnlyDevicesOverTheirRate() {
        this.server = BridgeServer.start((builder) -> builder.eventsPerSecondPerId(1)
                .throttleWindow(Duration.ofSeconds(2))
                .nanoTime(this.nanoTime::get));
        post("/2/httpapi", "{'api_key':'key-1','events':[" + event("busy-device") + "," + event("busy-device") + "]}");

        EntityExchangeResult<byte[]> result = post("/2/httpapi", "{'api_key':'key-1','events':["
                + event("calm-device") + "," + event("busy-device") + "]}");

        assertThat(result.getStatus().value()).isEqualTo(429);
        JsonNode body = Json.read(result.getResponseBody());
        assertThat(body.get("code").intValue()).isEqualTo(429);
        assertThat(body.get("eps_threshold").intValue()).isEqualTo(1);
        assertThat(body.get("throttled_devices").propertyNames()).containsExactly("busy-device");
        assertThat(body.get("throttled_users").isObject()).isTrue();
        assertThat(body.get("throttled_events").toString()).isEqualTo("[1]");
        assertThat(body.get("exceeded_daily_quota_users").isObject()).isTrue();
        assertThat(body.get("exceeded_daily_quota_devices").isObject()).isTrue();
        assertThat(this.server.source().events()).hasSize(2);
        assertThat(this.server.source().rejected()).isEqualTo(Map.of("throttled", 2));
    }

    @Test
    void admitsAThrottledDeviceOnceItsAllowanceRefills() {
        this.server = BridgeServer.start((builder) -> builder.eventsPerSecondPerId(1)
                .throttleWindow(Duration.ofSeconds(1))
                .nanoTime(this.nanoTime::get));
        post("/2/httpapi", "{'api_key':'key-1','events':[" + event("busy-device") + "]}");
        EntityExchangeResult<byte[]> throttled = post("/2/httpapi", "{'api_key':'key-1','events':["
                + event("busy-device") + "]}");

        this.nanoTime.addAndGet(Duration.ofSeconds(1).toNanos());
        EntityExchangeResult<byte[]> admitted = post("/2/httpapi", "{'api_key':'key-1','events':["
                + event("busy-device") + "]}");

        assertThat(throttled.getStatus().value()).isEqualTo(429);
        assertThat(admitted.getStatus().value()).isEqualTo(200);
    }

    @Test
    void limitsRequestsPerApiKey() {
        this.server = BridgeServer.start((builder) -> builder.requestsPerSecondPerApiKey(1).nanoTime(this.nanoTime::get));
        post("/2/httpapi", "{'api_key':'key-1','events':[" + event("device-0001") + "]}");

        EntityExchangeResult<byte[]> sameKey = post("/2/httpapi", "{'api_key':'key-1','events':["
                + event("device-0001") + "]}");
        EntityExchangeResult<byte[]> otherKey = post("/2/httpapi", "{'api_key':'key-2','events':["
                + event("device-0001") + "]}");

        assertThat(sameKey.getStatus().value()).isEqualTo(429);
        assertThat(Json.read(sameKey.getResponseBody()).get("eps_threshold").intValue()).isEqualTo(1);
        assertThat(otherKey.getStatus().value()).isEqualTo(200);
    }

    @Test
    void limitsRequestsPerAddressInEachShape() {
        this.server = BridgeServer.start((builder) -> builder.requestsPerSecondPerAddress(1).nanoTime(this.nanoTime::get));
        post("/2/httpapi", "{'api_key':'key-1','events':[" + event("device-0001") + "]}");

        EntityExchangeResult<byte[]> json = post("/2/httpapi", "{'api_key':'key-1','events':["
                + event("device-0001") + "]}");
        EntityExchangeResult<byte[]> legacy = this.server.client().post().uri("/")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("client=key-1&e=%5B%5D")
                .exchange()
                .expectBody().returnResult();

        assertThat(json.getStatus().value()).isEqualTo(429);
        assertThat(json.getResponseHeaders().getFirst("Retry-After")).isEqualTo("1");
        assertThat(Json.read(json.getResponseBody()).has("eps_threshold")).isTrue();
        assertThat(legacy.getStatus().value()).isEqualTo(429);
        assertThat(new String(legacy.getResponseBody())).isEqualTo("too_many_requests");
    }

}

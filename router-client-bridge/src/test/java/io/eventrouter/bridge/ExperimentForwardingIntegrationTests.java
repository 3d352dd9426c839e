package io.eventrouter.bridge;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.eventrouter.bridge.ingest.ApiKeyPolicy;
import io.eventrouter.bridge.proxy.UpstreamForwarder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import static org.assertj.core.api.Assertions.assertThat;

/** Experiment and remote configuration, forwarded to their upstreams. */
class ExperimentForwardingIntegrationTests {

    private static final String VARIANTS = "{\"flag\":{\"key\":\"on\",\"value\":\"on\"}}";

    /** A user whose JSON encodes to base64 with '-', '_' and padding, to tell the alphabets apart. */
    private static final String USER = "{\"user_id\":\"u>>?\",\"device_id\":\"d~~~\"}";

    private final UpstreamStub upstream = new UpstreamStub(200, VARIANTS);

    private BridgeServer server;

    @AfterEach
    void stop() {
        this.upstream.close();
        if (this.server != null) {
            this.server.close();
        }
    }

    private BridgeServer start() {
        this.server = BridgeServer.start((builder) -> builder.experimentUrl(this.upstream.url())
                .experimentFlagsUrl(this.upstream.url())
                .remoteConfigUrl(this.upstream.url())
                .apiKeys(ApiKeyPolicy.of(List.of(), Map.of("public-key", "project-key"))));
        return this.server;
    }

    @Test
    void forwardsVariantsUncachedWithDeploymentKey() {
        start();
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(USER.getBytes(StandardCharsets.UTF_8));

        EntityExchangeResult<byte[]> result = this.server.client().get().uri("/sdk/v2/vardata?v=0")
                .header(HttpHeaders.AUTHORIZATION, "Api-Key client-deployment-key")
                .header("X-Amp-Exp-User", urlSafe)
                .header("Cookie", "session=secret")
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(200);
        assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo(VARIANTS);
        assertThat(result.getResponseHeaders().getCacheControl()).isEqualTo("no-store, private");
        assertThat(result.getResponseHeaders().getVary()).contains("X-Amp-Exp-User", "Authorization");
        UpstreamStub.Recorded forwarded = this.upstream.requests().get(0);
        assertThat(forwarded.uri()).isEqualTo("/sdk/v2/vardata?v=0");
        assertThat(forwarded.headers().get("Authorization")).isEqualTo("Api-Key client-deployment-key");
        assertThat(forwarded.headers().get("X-Amp-Exp-User"))
                .isEqualTo(Base64.getEncoder().encodeToString(USER.getBytes(StandardCharsets.UTF_8)));
        assertThat(forwarded.headers().get("Cookie")).isNull();
    }

    @Test
    void keepsCorsVaryOnForwardedVariants() {
        start();
        String user = Base64.getEncoder().encodeToString(USER.getBytes(StandardCharsets.UTF_8));

        EntityExchangeResult<byte[]> result = this.server.client().get().uri("/sdk/v2/vardata?v=0")
                .header(HttpHeaders.ORIGIN, "http://shop.example")
                .header(HttpHeaders.AUTHORIZATION, "Api-Key client-deployment-key")
                .header("X-Amp-Exp-User", user)
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(200);
        assertThat(result.getResponseHeaders().getAccessControlAllowOrigin()).isNotNull();
        assertThat(result.getResponseHeaders().getVary()).contains("Origin", "X-Amp-Exp-User", "Authorization");
    }

    @Test
    void decodesEveryBase64Variant() {
        start();
        byte[] user = USER.getBytes(StandardCharsets.UTF_8);
        List<String> variants = List.of(Base64.getEncoder().encodeToString(user),
                Base64.getEncoder().withoutPadding().encodeToString(user),
                Base64.getUrlEncoder().encodeToString(user),
                Base64.getUrlEncoder().withoutPadding().encodeToString(user));

        for (String variant : variants) {
            this.server.client().get().uri("/sdk/vardata")
                    .header("X-Amp-Exp-User", variant)
                    .exchange()
                    .expectStatus().isOk();
        }

        assertThat(this.upstream.requests()).extracting((request) -> request.headers().get("X-Amp-Exp-User"))
                .containsOnly(Base64.getEncoder().encodeToString(user));
    }

    @Test
    void refusesAUserHeaderThatIsNotBase64Json() {
        start();

        EntityExchangeResult<byte[]> result = this.server.client().get().uri("/sdk/v2/vardata")
                .header("X-Amp-Exp-User", "not*base64")
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(Json.read(result.getResponseBody()).get("code").intValue()).isEqualTo(400);
        assertThat(this.upstream.requests()).isEmpty();
    }

    @Test
    void forwardsAPostedUserAsTheBody() {
        start();

        this.server.client().post().uri("/sdk/v2/vardata/")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(USER)
                .exchange()
                .expectStatus().isOk();

        assertThat(this.upstream.requests().get(0).method()).isEqualTo("POST");
        assertThat(this.upstream.requests().get(0).body()).isEqualTo(USER);
    }

    @Test
    void forwardsFlagRequests() {
        start();

        this.server.client().get().uri("/sdk/v2/flags")
                .header("X-Amp-Exp-Library", "experiment-js-client/1.23.1")
                .exchange()
                .expectStatus().isOk();

        assertThat(this.upstream.requests().get(0).uri()).isEqualTo("/sdk/v2/flags");
        assertThat(this.upstream.requests().get(0).headers().get("X-Amp-Exp-Library"))
                .isEqualTo("experiment-js-client/1.23.1");
    }

    @Test
    void forwardsRemoteConfigurationWithTheUpstreamKey() {
        start();

        this.server.client().get().uri("/config/public-key?config_group=browser")
                .exchange()
                .expectStatus().isOk();

        assertThat(this.upstream.requests().get(0).uri()).isEqualTo("/config/project-key?config_group=browser");
    }

    @Test
    void answersNotFoundWhenNoUpstreamIsConfigured() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = this.server.client().get().uri("/sdk/v2/flags")
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(404);
        assertThat(Json.read(result.getResponseBody()).get("code").intValue()).isEqualTo(404);
    }

    @Test
    void answersBadGatewayWhenTheUpstreamIsDown() {
        this.upstream.close();
        start();

        EntityExchangeResult<byte[]> result = this.server.client().get().uri("/sdk/v2/flags")
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(502);
    }

    @Test
    void relaysTheUpstreamsRetryAfter() {
        this.upstream.close();
        try (UpstreamStub throttling = new UpstreamStub(429, "{}", Map.of("Retry-After", "7"))) {
            this.server = BridgeServer.start((builder) -> builder.experimentFlagsUrl(throttling.url()));

            EntityExchangeResult<byte[]> result = this.server.client().get().uri("/sdk/v2/flags")
                    .exchange()
                    .expectBody().returnResult();

            assertThat(result.getStatus().value()).isEqualTo(429);
            assertThat(result.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("7");
        }
    }

    @Test
    void oversizedUpstreamResponseGets502() {
        this.upstream.close();
        try (UpstreamStub large = new UpstreamStub(200, "\"" + "x".repeat(17 * 1024 * 1024) + "\"")) {
            this.server = BridgeServer.start((builder) -> builder.experimentFlagsUrl(large.url()));

            EntityExchangeResult<byte[]> result = this.server.client().get().uri("/sdk/v2/flags")
                    .exchange()
                    .expectBody().returnResult();

            assertThat(result.getStatus().value()).isEqualTo(502);
            assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).contains("larger than 16 MiB");
        }
    }

    @Test
    void logsRepeatedUpstreamFailuresOnceAtWarn() {
        this.upstream.close();
        start();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger forwarderLogger = (Logger) LoggerFactory.getLogger(UpstreamForwarder.class);
        Level level = forwarderLogger.getLevel();
        forwarderLogger.setLevel(Level.DEBUG);
        logs.start();
        forwarderLogger.addAppender(logs);
        try {
            for (int i = 0; i < 3; i++) {
                this.server.client().get().uri("/sdk/v2/flags").exchange().expectStatus().isEqualTo(502);
            }
        }
        finally {
            forwarderLogger.detachAppender(logs);
            forwarderLogger.setLevel(level);
        }

        List<ILoggingEvent> warnings = logs.list.stream().filter((log) -> log.getLevel() == Level.WARN).toList();
        List<ILoggingEvent> debugs = logs.list.stream().filter((log) -> log.getLevel() == Level.DEBUG).toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getFormattedMessage()).contains("status=502", "failed_since_last_warning=1");
        assertThat(debugs).hasSize(2);
    }

}

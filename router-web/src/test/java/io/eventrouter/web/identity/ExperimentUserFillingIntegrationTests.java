package io.eventrouter.web.identity;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.core.identity.DeviceLink;
import io.eventrouter.core.identity.IdentityScope;
import io.eventrouter.core.identity.IdentityStore;
import io.eventrouter.core.identity.UserActivity;
import io.eventrouter.web.autoconfigure.EventRouterAutoConfiguration;
import io.eventrouter.web.autoconfigure.IdentityAutoConfiguration;
import io.eventrouter.web.e2e.AmplitudeWireMock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge completes Experiment users with the ids the router has linked before forwarding
 * them to WireMock, which replaces Experiment's evaluation upstream.
 */
class ExperimentUserFillingIntegrationTests {

    private static final String API_KEY = "project-api-key";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path directory;

    private final WireMockServer experiment = new WireMockServer(AmplitudeWireMock.loopbackOptions());

    private ReactiveWebApplicationContextRunner runner;

    @BeforeEach
    void start() {
        this.experiment.start();
        this.experiment.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(anyUrl())
                .willReturn(okJson("{\"flag\":{\"key\":\"on\"}}")));
        this.runner = new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdentityAutoConfiguration.class,
                        EventRouterAutoConfiguration.class))
                .withPropertyValues("router.destinations.file.path=" + this.directory.resolve("events.jsonl"),
                        "router.spool.type=memory", "router.identity.embedded.persistent=false",
                        "router.dead-letters.path=" + this.directory.resolve("dead-letters.mv"),
                        "router.bridge.experiment.url=" + this.experiment.baseUrl(),
                        "router.identity.experiment.api-key=" + API_KEY);
    }

    @AfterEach
    void stop() {
        this.experiment.stop();
    }

    @Test
    void fillsTheUserIdOfAKnownDeviceInTheUserHeader() {
        this.runner.run((context) -> {
            link(context, "d1", "alice");
            String user = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString("{\"device_id\":\"d1\",\"country\":\"NZ\"}".getBytes(StandardCharsets.UTF_8));

            client(context).get().uri("/sdk/v2/vardata?v=0")
                    .header("Authorization", "Api-Key deployment-key")
                    .header("X-Amp-Exp-User", user)
                    .exchange()
                    .expectStatus().isOk();

            JsonNode forwarded = JSON.readTree(Base64.getDecoder().decode(forwarded().getHeader("X-Amp-Exp-User")));
            assertThat(forwarded.get("user_id").stringValue()).isEqualTo("alice");
            assertThat(forwarded.get("device_id").stringValue()).isEqualTo("d1");
            assertThat(forwarded.get("country").stringValue()).isEqualTo("NZ");
        });
    }

    @Test
    void fillsTheDeviceIdOfAKnownUserInAPostedBody() {
        this.runner.run((context) -> {
            link(context, "d1", "alice");

            client(context).post().uri("/sdk/v2/vardata?v=0")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"user_id\":\"alice\"}")
                    .exchange()
                    .expectStatus().isOk();

            JsonNode forwarded = JSON.readTree(forwarded().getBodyAsString());
            assertThat(forwarded.get("device_id").stringValue()).isEqualTo("d1");
            assertThat(forwarded.get("user_id").stringValue()).isEqualTo("alice");
        });
    }

    @Test
    void keepsTheIdsTheUserHas() {
        this.runner.run((context) -> {
            link(context, "d1", "alice");

            client(context).post().uri("/sdk/v2/vardata")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"user_id\":\"bob\", \"device_id\":\"d1\"}")
                    .exchange()
                    .expectStatus().isOk();

            assertThat(forwarded().getBodyAsString()).isEqualTo("{\"user_id\":\"bob\", \"device_id\":\"d1\"}");
        });
    }

    @Test
    void forwardsAnUnknownDeviceAsSent() {
        this.runner.run((context) -> {
            String user = Base64.getEncoder().encodeToString("{\"device_id\":\"d9\"}".getBytes(StandardCharsets.UTF_8));

            client(context).get().uri("/sdk/v2/vardata")
                    .header("X-Amp-Exp-User", user)
                    .exchange()
                    .expectStatus().isOk();

            assertThat(forwarded().getHeader("X-Amp-Exp-User")).isEqualTo(user);
        });
    }

    /** Links {@code deviceId} and {@code userId} both ways, as a client event of theirs would. */
    private static void link(AssertableReactiveWebApplicationContext context, String deviceId, String userId) {
        IdentityStore store = context.getBean(IdentityStore.class);
        IdentityScope scope = IdentityScope.ofApiKey(API_KEY);
        store.recordDeviceLink(scope, deviceId, new DeviceLink(userId, 1_000L)).block();
        store.recordUserActivity(scope, userId, new UserActivity(deviceId, 900L, 1_000L)).block();
    }

    private static WebTestClient client(AssertableReactiveWebApplicationContext context) {
        return WebTestClient.bindToRouterFunction(context.getBean(ClientBridge.class).routes()).build();
    }

    private LoggedRequest forwarded() {
        return this.experiment.findAll(anyRequestedFor(anyUrl())).get(0);
    }

}

package io.eventrouter.web.admin;

import io.eventrouter.core.identity.DeviceLink;
import io.eventrouter.core.identity.EmbeddedIdentityStore;
import io.eventrouter.core.identity.IdentityLookup;
import io.eventrouter.core.identity.IdentityLink;
import io.eventrouter.core.identity.IdentityScope;
import io.eventrouter.core.identity.IdentityStore;
import io.eventrouter.core.identity.LinkKind;
import io.eventrouter.core.identity.UserActivity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityAdminHandlerTests {

    private static final String TOKEN = "admin-secret-token";

    private static final String API_KEY = "admin-test-api-key";

    private final EmbeddedIdentityStore store = EmbeddedIdentityStore.inMemory(1_000);

    private final WebTestClient client = WebTestClient
            .bindToRouterFunction(new IdentityAdminHandler(new IdentityLookup(this.store)).routes("/admin")
                    .filter(new AdminTokenFilter(TOKEN)))
            .build();

    @BeforeEach
    void linkAlice() {
        IdentityScope scope = IdentityScope.ofApiKey(API_KEY);
        this.store.recordDeviceLink(scope, "browser-d1", new DeviceLink("alice", 1_000)).block();
        this.store.recordUserActivity(scope, "alice", new UserActivity("browser-d1", 77, 1_000)).block();
    }

    @AfterEach
    void closeStore() {
        this.store.close();
    }

    @Test
    void returnsTheUserAndActivityLinkedToADevice() {
        this.client.get().uri("/admin/identities?device_id=browser-d1")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .header(IdentityAdminHandler.API_KEY_HEADER, API_KEY)
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.device_id").isEqualTo("browser-d1")
                .jsonPath("$.user_id").isEqualTo("alice")
                .jsonPath("$.last_activity.session_id").isEqualTo(77);
    }

    @Test
    void returnsTheLastActivityOfAUser() {
        this.client.get().uri("/admin/identities?user_id=alice")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .header(IdentityAdminHandler.API_KEY_HEADER, API_KEY)
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.last_activity.device_id").isEqualTo("browser-d1");
    }

    @Test
    void rejectsARequestWithoutTheToken() {
        this.client.get().uri("/admin/identities?user_id=alice")
                .header(HttpHeaders.AUTHORIZATION, "Bearer wrong-token")
                .header(IdentityAdminHandler.API_KEY_HEADER, API_KEY)
                .exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void rejectsARequestWithoutTheProjectsApiKey() {
        this.client.get().uri("/admin/identities?user_id=alice")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .exchange()
                .expectStatus().isBadRequest()
                .expectBody()
                .jsonPath("$.error").isEqualTo("Missing header X-Amplitude-Api-Key naming the project");
    }

    @Test
    void rejectsARequestWithBothIds() {
        this.client.get().uri("/admin/identities?user_id=alice&device_id=browser-d1")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .header(IdentityAdminHandler.API_KEY_HEADER, API_KEY)
                .exchange()
                .expectStatus().isBadRequest();
    }

    @Test
    void answersNotFoundForAnUnknownId() {
        this.client.get().uri("/admin/identities?device_id=unknown-device")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .header(IdentityAdminHandler.API_KEY_HEADER, API_KEY)
                .exchange()
                .expectStatus().isNotFound();
    }

    @Test
    void keepsProjectsApart() {
        this.client.get().uri("/admin/identities?device_id=browser-d1")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                .header(IdentityAdminHandler.API_KEY_HEADER, "another-project-key")
                .exchange()
                .expectStatus().isNotFound();
    }

    @Test
    void answersUnavailableWhenTheStoreFails() {
        IdentityStore failing = new IdentityStore() {

            @Override
            public Mono<IdentityLink> find(IdentityScope scope, LinkKind kind, String id) {
                return Mono.error(new IllegalStateException("store down"));
            }

            @Override
            public Mono<Void> record(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
                return Mono.error(new IllegalStateException("store down"));
            }

            @Override
            public void close() {
            }

        };
        WebTestClient client = WebTestClient
                .bindToRouterFunction(new IdentityAdminHandler(new IdentityLookup(failing)).routes("/admin"))
                .build();

        client.get().uri("/admin/identities?device_id=browser-d1")
                .header(IdentityAdminHandler.API_KEY_HEADER, API_KEY)
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectBody()
                .jsonPath("$.code").isEqualTo(503)
                .jsonPath("$.error").value((error) -> assertThat((String) error).contains("identity store"));
    }

}

package io.eventrouter.bridge;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import static org.assertj.core.api.Assertions.assertThat;

/** CORS on every bridge response, with an origin allow-list. */
class CorsIntegrationTests {

    private static final String SITE = "http://shop.example";

    private BridgeServer server;

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.close();
        }
    }

    @Test
    void preflightAllowsCrossOriginResourcePolicy() {
        this.server = BridgeServer.start((builder) -> builder.allowedOrigins(List.of(SITE)));

        EntityExchangeResult<byte[]> result = this.server.client().options().uri("/")
                .header(HttpHeaders.ORIGIN, SITE)
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, "cross-origin-resource-policy")
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().is2xxSuccessful()).isTrue();
        HttpHeaders headers = result.getResponseHeaders();
        assertThat(headers.getAccessControlAllowOrigin()).isEqualTo(SITE);
        assertThat(headers.getAccessControlAllowHeaders()).containsExactly("cross-origin-resource-policy");
        assertThat(headers.getAccessControlAllowMethods()).extracting(Object::toString).contains("POST");
    }

    @Test
    void allowsExperimentHeadersInAPreflight() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = this.server.client().options().uri("/sdk/v2/vardata?v=0")
                .header(HttpHeaders.ORIGIN, SITE)
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "GET")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, "authorization,x-amp-exp-flag-keys,x-amp-exp-user")
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getResponseHeaders().getAccessControlAllowHeaders())
                .containsExactly("authorization", "x-amp-exp-flag-keys", "x-amp-exp-user");
    }

    @Test
    void addsCorsHeadersToErrorAnswers() {
        this.server = BridgeServer.start((builder) -> builder.allowedOrigins(List.of(SITE)));

        EntityExchangeResult<byte[]> result = this.server.client().post().uri("/2/httpapi")
                .header(HttpHeaders.ORIGIN, SITE)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("not json")
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(result.getResponseHeaders().getAccessControlAllowOrigin()).isEqualTo(SITE);
        assertThat(result.getResponseHeaders().getVary()).contains("Origin");
    }

    @Test
    void unsupportedMethodGets405WithCorsHeaders() {
        this.server = BridgeServer.start((builder) -> builder.allowedOrigins(List.of(SITE)));

        for (HttpMethod method : List.of(HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH)) {
            EntityExchangeResult<byte[]> result = this.server.client().method(method).uri("/2/httpapi")
                    .header(HttpHeaders.ORIGIN, SITE)
                    .exchange()
                    .expectBody().returnResult();

            // The same 405 a request without Origin gets, readable by the page that sent it.
            assertThat(result.getStatus().value()).as(method.name()).isEqualTo(405);
            assertThat(Json.read(result.getResponseBody()).get("code").intValue()).as(method.name()).isEqualTo(405);
            assertThat(result.getResponseHeaders().getFirst(HttpHeaders.ALLOW)).as(method.name())
                    .isEqualTo("POST, OPTIONS");
            assertThat(result.getResponseHeaders().getAccessControlAllowOrigin()).as(method.name()).isEqualTo(SITE);
            assertThat(result.getResponseHeaders().getVary()).as(method.name()).contains("Origin");
        }
    }

    @Test
    void refusesAnOriginOutsideTheAllowList() {
        this.server = BridgeServer.start((builder) -> builder.allowedOrigins(List.of(SITE)));

        EntityExchangeResult<byte[]> result = this.server.client().post().uri("/2/httpapi")
                .header(HttpHeaders.ORIGIN, "http://evil.example")
                .bodyValue("{}")
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(403);
        assertThat(Json.read(result.getResponseBody()).get("code").intValue()).isEqualTo(403);
        assertThat(this.server.source().events()).isEmpty();
    }

}

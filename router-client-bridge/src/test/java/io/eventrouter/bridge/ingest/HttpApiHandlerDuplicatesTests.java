package io.eventrouter.bridge.ingest;

import java.util.List;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class HttpApiHandlerDuplicatesTests {

    @Test
    void countsDuplicatesAsIngested() {
        Source source = new Source() {

            @Override
            public SourceId id() {
                return SourceId.of("client-bridge");
            }

            @Override
            public Mono<Acceptance> submit(List<Event> events) {
                return Mono.just(new Acceptance(1, events.size() - 1));
            }

        };
        WebTestClient client = WebTestClient.bindToRouterFunction(ClientBridge.builder(source).build().routes())
                .build();

        String answer = client.post().uri("/2/httpapi")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"api_key\":\"key-1234567890\",\"events\":["
                        + "{\"event_type\":\"played\",\"device_id\":\"device-1\",\"insert_id\":\"a\"},"
                        + "{\"event_type\":\"played\",\"device_id\":\"device-1\",\"insert_id\":\"a\"}]}")
                .exchange()
                .expectStatus().isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();

        assertThat(JsonMapper.builder().build().readTree(answer).get("events_ingested").asInt()).isEqualTo(2);
    }

}

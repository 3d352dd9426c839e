package io.eventrouter.bridge;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import io.eventrouter.core.amplitude.IdentifyApi;
import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import tools.jackson.databind.JsonNode;

import static io.eventrouter.bridge.Json.quoted;
import static org.assertj.core.api.Assertions.assertThat;

/** Amplitude's Identify and Group Identify APIs, carried as marked events. */
class IdentifyApiIntegrationTests {

    private BridgeServer server;

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.close();
        }
    }

    private EntityExchangeResult<byte[]> post(String path, String apiKey, String identification) {
        return this.server.client().post().uri(path)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("api_key=" + encode(apiKey) + "&identification=" + encode(quoted(identification)))
                .exchange()
                .expectBody().returnResult();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void identifyKeepsEveryOperation() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = post("/identify", "key-1", "{'user_id':'user-0001',"
                + "'user_properties':{'$set':{'plan':'pro'},'$add':{'logins':1},'$unset':{'old':'-'},"
                + "'$remove':{'tags':'x'},'$preInsert':{'l':'a'},'$postInsert':{'l':'z'}},'platform':'Web'}");

        assertThat(result.getStatus().value()).isEqualTo(200);
        assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo("success");
        Event event = this.server.source().events().get(0);
        assertThat(event.eventType()).isEqualTo("$identify");
        assertThat(IdentifyApi.of(event)).contains(IdentifyApi.IDENTIFY);
        assertThat(event.field("user_properties").orElseThrow().propertyNames())
                .containsExactlyInAnyOrder("$set", "$add", "$unset", "$remove", "$preInsert", "$postInsert");
    }

    @Test
    void carriesAGroupIdentifyWithoutUserOrDeviceId() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = post("/groupidentify", "key-1", "[{'group_type':'org',"
                + "'group_value':'acme','group_properties':{'$set':{'size':10},'$clearAll':'-'}}]");

        assertThat(result.getStatus().value()).isEqualTo(200);
        Event event = this.server.source().events().get(0);
        assertThat(event.eventType()).isEqualTo("$groupidentify");
        assertThat(IdentifyApi.of(event)).contains(IdentifyApi.GROUP_IDENTIFY);
        assertThat(event.field("groups").orElseThrow().get("org").stringValue()).isEqualTo("acme");
        JsonNode identification = IdentifyApi.GROUP_IDENTIFY.toIdentification(event);
        assertThat(identification.get("group_type").stringValue()).isEqualTo("org");
        assertThat(identification.has("event_type")).isFalse();
    }

    @Test
    void readsAFormInTheCharsetItDeclares() {
        this.server = BridgeServer.start();
        String identification = quoted("{'user_id':'user-0001','user_properties':{'$set':{'city':'M\u00e1laga'}}}");

        EntityExchangeResult<byte[]> result = this.server.client().post().uri("/identify")
                .header("Content-Type", "application/x-www-form-urlencoded; charset=windows-1252")
                .bodyValue("api_key=key-1&identification=" + URLEncoder.encode(identification,
                        Charset.forName("windows-1252")))
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(200);
        JsonNode properties = this.server.source().events().get(0).field("user_properties").orElseThrow();
        assertThat(properties.get("$set").get("city").stringValue()).isEqualTo("M\u00e1laga");
    }

    @Test
    void rejectsAFormInAnUnsupportedCharset() {
        this.server = BridgeServer.start();

        HttpResponse<byte[]> result = this.server.postWithContentType("/identify",
                "application/x-www-form-urlencoded; charset=x-no-such-charset",
                ("api_key=key-1&identification=" + encode(quoted("{'user_id':'user-0001'}")))
                        .getBytes(StandardCharsets.UTF_8));

        assertThat(result.statusCode()).isEqualTo(400);
        JsonNode body = Json.read(result.body());
        assertThat(body.get("code").intValue()).isEqualTo(400);
        assertThat(body.get("error").stringValue()).contains("'x-no-such-charset'");
    }

    @Test
    void readsQueryParametersOfAGet() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = this.server.client().get()
                .uri((uri) -> uri.path("/identify").queryParam("api_key", "key-1")
                        .queryParam("identification", "{identification}")
                        .build(quoted("{'device_id':'device-0001','user_properties':{'$set':{'a':1}}}")))
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(200);
        assertThat(this.server.source().events()).hasSize(1);
    }

    @Test
    void listsIdentificationsWithoutIdsByPosition() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = post("/identify", "key-1",
                "[{'user_id':'user-0001'},{'user_properties':{'$set':{'a':1}}},{'device_id':'abc'}]");

        assertThat(result.getStatus().value()).isEqualTo(400);
        JsonNode body = Json.read(result.getResponseBody());
        assertThat(body.at("/events_with_missing_fields/user_id").toString()).isEqualTo("[1]");
        assertThat(body.at("/events_with_invalid_id_lengths/device_id").toString()).isEqualTo("[2]");
        assertThat(this.server.source().events()).isEmpty();
    }

    @Test
    void namesAMissingGroupType() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = post("/groupidentify", "key-1", "{'group_value':'acme'}");

        assertThat(Json.read(result.getResponseBody()).at("/events_with_missing_fields/group_type").toString())
                .isEqualTo("[0]");
    }

    @Test
    void refusesAMissingIdentification() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = this.server.client().post().uri("/identify/")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("api_key=key-1")
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(Json.read(result.getResponseBody()).get("missing_field").stringValue()).isEqualTo("identification");
    }

    @Test
    void refusesAnIdentificationNotValidInTheCharset() {
        this.server = BridgeServer.start();
        String identification = encode(quoted("{'user_id':'user-")) + "%C0%AF" + encode(quoted("'}"));

        EntityExchangeResult<byte[]> result = this.server.client().post().uri("/identify")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("api_key=key-1&identification=" + identification)
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(Json.read(result.getResponseBody()).get("missing_field").stringValue()).isEqualTo("identification");
        assertThat(this.server.source().events()).isEmpty();
    }

    @Test
    void refusesAQueryIdentificationNotValidInUtf8() {
        this.server = BridgeServer.start();
        String identification = encode(quoted("{'user_id':'user-")) + "%FF" + encode(quoted("'}"));

        EntityExchangeResult<byte[]> result = this.server.client().get()
                .uri(URI.create(this.server.baseUrl() + "/identify?api_key=key-1&identification=" + identification))
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(this.server.source().events()).isEmpty();
    }

}

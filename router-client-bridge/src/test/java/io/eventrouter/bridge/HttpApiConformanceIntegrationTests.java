package io.eventrouter.bridge;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.eventrouter.bridge.ingest.ApiKeyPolicy;
import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

import static io.eventrouter.bridge.Json.quoted;
import static io.eventrouter.bridge.Json.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /2/httpapi} and {@code /batch} against the protocol reference: validation, limits and
 * the exact shape of every response.
 */
class HttpApiConformanceIntegrationTests {

    private static final String EVENT = "{'event_type':'click','device_id':'device-0001'}";

    private BridgeServer server;

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.close();
        }
    }

    private BridgeServer start() {
        this.server = BridgeServer.start();
        return this.server;
    }

    private BridgeServer start(java.util.function.Consumer<ClientBridge.Builder> settings) {
        this.server = BridgeServer.start(settings);
        return this.server;
    }

    private static EntityExchangeResult<byte[]> post(BridgeServer server, String path, byte[] body) {
        return server.client().post().uri(path)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectBody()
                .returnResult();
    }

    private static EntityExchangeResult<byte[]> post(BridgeServer server, String path, String singleQuotedJson) {
        return post(server, path, utf8(quoted(singleQuotedJson)));
    }

    private static JsonNode body(EntityExchangeResult<byte[]> result) {
        return Json.read(result.getResponseBody());
    }

    private static String upload(String... events) {
        return "{'api_key':'key-1','events':[" + String.join(",", events) + "]}";
    }

    @Test
    void successCarriesFourIntegerFields() {
        BridgeServer server = start();
        byte[] request = utf8(quoted(upload(EVENT, EVENT)));

        EntityExchangeResult<byte[]> result = post(server, "/2/httpapi", request);

        assertThat(result.getStatus().value()).isEqualTo(200);
        JsonNode body = body(result);
        assertThat(body.get("code").intValue()).isEqualTo(200);
        assertThat(body.get("events_ingested").intValue()).isEqualTo(2);
        assertThat(body.get("payload_size_bytes").intValue()).isEqualTo(request.length);
        assertThat(body.get("server_upload_time").isIntegralNumber()).isTrue();
        assertThat(server.source().events()).hasSize(2);
    }

    @Test
    void acceptsExplicitNulls() {
        BridgeServer server = start();

        EntityExchangeResult<byte[]> result = post(server, "/2/httpapi", upload("{'event_type':'e','user_id':'user-0001',"
                + "'device_id':null,'time':null,'platform':null,'event_properties':null,'session_id':-1,"
                + "'productId':null,'library':'amplitude-java/1.13.0'}"));

        assertThat(result.getStatus().value()).isEqualTo(200);
    }

    @Test
    void countsPayloadSizeInUtf8Bytes() {
        BridgeServer server = start();
        byte[] request = utf8(quoted(upload("{'event_type':'😀😀😀','device_id':'device-0001'}")));

        JsonNode body = body(post(server, "/2/httpapi", request));

        assertThat(body.get("payload_size_bytes").intValue()).isEqualTo(request.length);
    }

    @Test
    void nonJsonBodyGetsEveryErrorKey() {
        BridgeServer server = start();

        EntityExchangeResult<byte[]> result = post(server, "/2/httpapi", utf8("api_key=x&events=y"));

        assertThat(result.getStatus().value()).isEqualTo(400);
        JsonNode body = body(result);
        assertThat(body.get("code").intValue()).isEqualTo(400);
        assertThat(body.get("error").stringValue()).isEqualTo("Invalid JSON request body");
        assertThat(body.has("missing_field")).isTrue();
        assertThat(body.get("events_with_invalid_fields").isObject()).isTrue();
        assertThat(body.get("events_with_missing_fields").isObject()).isTrue();
        assertThat(body.get("events_with_invalid_id_lengths").isObject()).isTrue();
    }

    @Test
    void rejectsAnEmptyBody() {
        BridgeServer server = start();

        JsonNode body = body(post(server, "/2/httpapi", new byte[0]));

        assertThat(body.get("error").stringValue()).isEqualTo("Missing request body");
    }

    @Test
    void namesTheMissingApiKey() {
        BridgeServer server = start();

        JsonNode body = body(post(server, "/2/httpapi", "{'events':[" + EVENT + "]}"));

        assertThat(body.get("error").stringValue()).isEqualTo("Request missing required field");
        assertThat(body.get("missing_field").stringValue()).isEqualTo("api_key");
    }

    @Test
    void namesMissingEventsForAnEmptyBatch() {
        BridgeServer server = start();

        JsonNode body = body(post(server, "/2/httpapi", "{'api_key':'key-1','events':[]}"));

        assertThat(body.get("missing_field").stringValue()).isEqualTo("events");
    }

    @Test
    void unlistedKeyGetsExactInvalidKeyText() {
        BridgeServer server = start((builder) -> builder.apiKeys(ApiKeyPolicy.of(List.of("key-1"), Map.of())));

        EntityExchangeResult<byte[]> result = post(server, "/2/httpapi", "{'api_key':'stolen-key','events':[" + EVENT + "]}");

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(body(result).get("error").stringValue()).isEqualTo("Invalid API key: stolen-key");
        assertThat(server.source().events()).isEmpty();
    }

    @Test
    void rejectsOverlongApiKey() {
        BridgeServer server = start();
        String longest = "\u00e9".repeat(ApiKeyPolicy.MAX_KEY_LENGTH);
        String tooLong = longest + "x";

        EntityExchangeResult<byte[]> rejected = post(server, "/2/httpapi", "{'api_key':'" + tooLong + "','events':["
                + EVENT + "]}");
        EntityExchangeResult<byte[]> accepted = post(server, "/2/httpapi", "{'api_key':'" + longest + "','events':["
                + EVENT + "]}");

        assertThat(rejected.getStatus().value()).isEqualTo(400);
        assertThat(body(rejected).get("error").stringValue())
                .isEqualTo("Invalid API key: " + tooLong.substring(0, AmplitudeResponse.MAX_ECHOED_KEY_LENGTH) + "...");
        assertThat(accepted.getStatus().value()).isEqualTo(200);
        assertThat(server.source().events()).extracting((event) -> event.context().apiKey()).containsExactly(longest);
    }

    @Test
    void forwardsAMappedKeyUpstream() {
        BridgeServer server = start((builder) -> builder.apiKeys(ApiKeyPolicy.of(List.of(),
                Map.of("public-key", "project-key"))));

        post(server, "/2/httpapi", "{'api_key':'public-key','events':[" + EVENT + "]}");

        assertThat(server.source().events()).extracting((event) -> event.context().apiKey())
                .containsExactly("project-key");
    }

    @Test
    void listsInvalidEventsByRequestPosition() {
        BridgeServer server = start();

        JsonNode body = body(post(server, "/2/httpapi", upload(EVENT,
                "{'device_id':'device-0001'}",
                "{'event_type':'e','device_id':'device-0001','time':'2024-01-01T00:00:00Z'}",
                "{'event_type':'e','device_id':'abc'}",
                "{'event_type':'e','user_id':'null'}",
                "{'event_type':'e'}",
                EVENT,
                "{'event_type':'e','user_id':'Anonymous'}")));

        assertThat(body.get("code").intValue()).isEqualTo(400);
        assertThat(body.get("missing_field").stringValue()).isEmpty();
        assertThat(body.at("/events_with_missing_fields/event_type").toString()).isEqualTo("[1]");
        assertThat(body.at("/events_with_missing_fields/user_id").toString()).isEqualTo("[5]");
        assertThat(body.at("/events_with_missing_fields/device_id").toString()).isEqualTo("[5]");
        assertThat(body.at("/events_with_invalid_fields/time").toString()).isEqualTo("[2]");
        assertThat(body.at("/events_with_invalid_fields/user_id").toString()).isEqualTo("[4,7]");
        assertThat(body.at("/events_with_invalid_id_lengths/device_id").toString()).isEqualTo("[3]");
        assertThat(server.source().events()).isEmpty();
        assertThat(server.source().rejected()).isEqualTo(Map.of("invalid-event", 6, "upload-rejected", 2));
    }

    @Test
    void keepsRequestPositionsAcrossEntriesThatAreNotEvents() {
        BridgeServer server = start();

        JsonNode body = body(post(server, "/2/httpapi", upload("null", EVENT, "5", "{'device_id':'device-0001'}",
                "[]", EVENT)));

        assertThat(body.at("/events_with_invalid_fields/event").toString()).isEqualTo("[0,2,4]");
        assertThat(body.at("/events_with_missing_fields/event_type").toString()).isEqualTo("[3]");
        assertThat(server.source().events()).isEmpty();
    }

    @Test
    void acceptsAHugeBatchOnTheBatchApiWithDefaultLimits() {
        BridgeServer server = start();
        String event = "{'event_type':'e','device_id':'device-0001','event_properties':{'p':'" + "x".repeat(600) + "'}}";
        String[] events = new String[2000];
        java.util.Arrays.fill(events, event);
        byte[] request = utf8(quoted(upload(events)));

        EntityExchangeResult<byte[]> httpApi = post(server, "/2/httpapi", request);
        EntityExchangeResult<byte[]> batch = post(server, "/batch", request);

        assertThat(request.length).isGreaterThan(ClientBridge.HTTP_API_MAX_BODY_BYTES);
        assertThat(httpApi.getStatus().value()).isEqualTo(413);
        assertThat(batch.getStatus().value()).isEqualTo(200);
        assertThat(body(batch).get("events_ingested").intValue()).isEqualTo(2000);
    }

    @Test
    void shortIdListedAsInvalidFieldToo() {
        BridgeServer server = start();

        JsonNode body = body(post(server, "/2/httpapi", upload(EVENT, "{'event_type':'e','user_id':'abcd'}")));

        assertThat(body.at("/events_with_invalid_id_lengths/user_id").toString()).isEqualTo("[1]");
        assertThat(body.at("/events_with_invalid_fields/user_id").toString()).isEqualTo("[1]");
        assertThat(body.get("error").stringValue()).isEqualTo("Invalid id length for user_id or device_id");
    }

    @Test
    void keepsGeneralTextForMixedErrors() {
        BridgeServer server = start();

        JsonNode body = body(post(server, "/2/httpapi",
                upload("{'event_type':'e','user_id':'abcd'}", "{'event_type':'e','user_id':'user-1','time':'noon'}")));

        assertThat(body.get("error").stringValue()).isEqualTo("Invalid field values on some events");
        assertThat(body.at("/events_with_invalid_fields/time").toString()).isEqualTo("[1]");
    }

    @Test
    void measuresIdsAgainstTheRequestsMinIdLength() {
        BridgeServer server = start();

        EntityExchangeResult<byte[]> shortAllowed = post(server, "/2/httpapi",
                "{'api_key':'key-1','options':{'min_id_length':2},'events':[{'event_type':'e','user_id':'ab'}]}");
        EntityExchangeResult<byte[]> longRequired = post(server, "/2/httpapi",
                "{'api_key':'key-1','options':{'min_id_length':12},'events':[" + EVENT + "]}");

        assertThat(shortAllowed.getStatus().value()).isEqualTo(200);
        assertThat(body(longRequired).at("/events_with_invalid_id_lengths/device_id").toString()).isEqualTo("[0]");
    }

    @Test
    void countsIdLengthInCharactersNotBytes() {
        BridgeServer server = start();

        EntityExchangeResult<byte[]> result = post(server, "/2/httpapi", upload("{'event_type':'e','user_id':'😀😀😀😀😀'}"));

        assertThat(result.getStatus().value()).isEqualTo(200);
    }

    @Test
    void acceptsAGroupIdentifyWithoutUserOrDeviceId() {
        BridgeServer server = start();

        EntityExchangeResult<byte[]> result = post(server, "/2/httpapi", upload("{'event_type':'$groupidentify',"
                + "'groups':{'org':'acme'},'group_properties':{'$set':{'plan':'pro'}}}"));

        assertThat(result.getStatus().value()).isEqualTo(200);
    }

    @Test
    void acceptsTwoThousandEventsAndRefusesOneMore() {
        BridgeServer server = start();
        String[] events = new String[2001];
        java.util.Arrays.fill(events, EVENT);

        EntityExchangeResult<byte[]> atLimit = post(server, "/2/httpapi", upload(java.util.Arrays.copyOf(events, 2000)));
        EntityExchangeResult<byte[]> overLimit = post(server, "/2/httpapi", upload(events));

        assertThat(atLimit.getStatus().value()).isEqualTo(200);
        assertThat(overLimit.getStatus().value()).isEqualTo(413);
        assertThat(new String(overLimit.getResponseBody())).isEqualTo("{\"code\":413,\"error\":\"Payload too large\"}");
    }

    @Test
    void limitsTheBodyInUtf8BytesNotCharacters() {
        BridgeServer server = start((builder) -> builder.httpApiMaxBodyBytes(200));
        String prefix = "{\"api_key\":\"key-1\",\"events\":[{\"event_type\":\"";
        String suffix = "\",\"device_id\":\"device-0001\"}]}";
        int room = 200 - utf8(prefix + suffix).length;
        String exact = prefix + "x".repeat(room) + suffix;
        String over = prefix + "😀".repeat(room / 4 + 1) + suffix;

        EntityExchangeResult<byte[]> atLimit = post(server, "/2/httpapi", utf8(exact));
        EntityExchangeResult<byte[]> overLimit = post(server, "/2/httpapi", utf8(over));

        assertThat(over.length()).isLessThan(200);
        assertThat(atLimit.getStatus().value()).isEqualTo(200);
        assertThat(overLimit.getStatus().value()).isEqualTo(413);
    }

    @Test
    void allowsLargerBodiesOnTheBatchApi() {
        BridgeServer server = start((builder) -> builder.httpApiMaxBodyBytes(300).batchApiMaxBodyBytes(3000));
        String[] events = new String[10];
        java.util.Arrays.fill(events, EVENT);
        byte[] request = utf8(quoted(upload(events)));

        EntityExchangeResult<byte[]> httpApi = post(server, "/2/httpapi", request);
        EntityExchangeResult<byte[]> batch = post(server, "/batch", request);

        assertThat(httpApi.getStatus().value()).isEqualTo(413);
        assertThat(batch.getStatus().value()).isEqualTo(200);
    }

    @Test
    void acceptsGzipAndDeflateBodies() {
        BridgeServer server = start();
        byte[] request = utf8(quoted(upload(EVENT)));

        for (Map.Entry<String, byte[]> encoded : Map.of("gzip", Json.gzip(request),
                "deflate", Json.deflate(request, true)).entrySet()) {
            server.client().post().uri("/2/httpapi")
                    .header("Content-Encoding", encoded.getKey())
                    .bodyValue(encoded.getValue())
                    .exchange()
                    .expectStatus().isOk();
        }
        server.client().post().uri("/2/httpapi")
                .header("Content-Encoding", "deflate")
                .bodyValue(Json.deflate(request, false))
                .exchange()
                .expectStatus().isOk();

        assertThat(server.source().events()).hasSize(3);
    }

    @Test
    void countsPayloadSizeAsReceived() {
        BridgeServer server = start();
        byte[] request = utf8(quoted(upload(EVENT, EVENT, EVENT, EVENT)));
        byte[] gzip = Json.gzip(request);
        byte[] deflate = Json.deflate(request, true);
        byte[] latin1 = quoted(upload("{'event_type':'caf\u00e9','device_id':'device-0001'}"))
                .getBytes(StandardCharsets.ISO_8859_1);

        JsonNode gzipAnswer = body(server.client().post().uri("/2/httpapi")
                .header("Content-Encoding", "gzip")
                .bodyValue(gzip)
                .exchange()
                .expectBody().returnResult());
        JsonNode deflateAnswer = body(server.client().post().uri("/2/httpapi")
                .header("Content-Encoding", "deflate")
                .bodyValue(deflate)
                .exchange()
                .expectBody().returnResult());
        JsonNode latin1Answer = body(server.client().post().uri("/2/httpapi")
                .header("Content-Type", "application/json; charset=ISO-8859-1")
                .bodyValue(latin1)
                .exchange()
                .expectBody().returnResult());

        // The bytes the client sent, not the body they inflate or transcode to.
        assertThat(gzip.length).isLessThan(request.length);
        assertThat(gzipAnswer.get("payload_size_bytes").intValue()).isEqualTo(gzip.length);
        assertThat(deflateAnswer.get("payload_size_bytes").intValue()).isEqualTo(deflate.length);
        assertThat(latin1Answer.get("payload_size_bytes").intValue()).isEqualTo(latin1.length);
    }

    @Test
    void refusesAGzipBombWithPayloadTooLarge() {
        BridgeServer server = start();
        // Gzip members may be concatenated: 200 copies of one compressed MB inflate to 200 MB.
        byte[] member = Json.gzip(new byte[1024 * 1024]);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
            compressed.writeBytes(member);
        }

        EntityExchangeResult<byte[]> result = server.client().post().uri("/2/httpapi")
                .header("Content-Encoding", "gzip")
                .bodyValue(compressed.toByteArray())
                .exchange()
                .expectBody().returnResult();

        assertThat(compressed.size()).isLessThan(1024 * 1024);
        assertThat(result.getStatus().value()).isEqualTo(413);
        assertThat(body(result).get("error").stringValue()).isEqualTo("Payload too large");
    }

    @Test
    void explainsGzipBytesSentWithoutContentEncoding() {
        BridgeServer server = start();

        EntityExchangeResult<byte[]> result = post(server, "/2/httpapi", Json.gzip(utf8(quoted(upload(EVENT)))));

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(body(result).get("error").stringValue()).contains("Content-Encoding: gzip");
    }

    @Test
    void refusesCorruptGzipWithABadRequest() {
        BridgeServer server = start();

        EntityExchangeResult<byte[]> result = server.client().post().uri("/2/httpapi")
                .header("Content-Encoding", "gzip")
                .bodyValue(new byte[] { 0x1f, (byte) 0x8b, 8, 0, 1, 2, 3 })
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(body(result).get("code").intValue()).isEqualTo(400);
    }

    @Test
    void readsBeaconUploadsSentAsPlainText() {
        BridgeServer server = start();

        server.client().post().uri("/2/httpapi")
                .contentType(MediaType.TEXT_PLAIN)
                .bodyValue(quoted(upload(EVENT)))
                .exchange()
                .expectStatus().isOk();

        assertThat(server.source().events()).hasSize(1);
    }

    @Test
    void readsAnUploadInTheCharsetItDeclares() {
        BridgeServer server = start();
        byte[] latin1 = quoted(upload("{'event_type':'caf\u00e9','device_id':'device-0001'}"))
                .getBytes(StandardCharsets.ISO_8859_1);

        for (String path : List.of("/2/httpapi", "/batch")) {
            server.client().post().uri(path)
                    .header("Content-Type", "application/json; charset=ISO-8859-1")
                    .bodyValue(latin1)
                    .exchange()
                    .expectStatus().isOk();
        }
        server.client().post().uri("/2/httpapi")
                .header("Content-Type", "text/plain;charset=\"iso-8859-1\"")
                .header("Content-Encoding", "gzip")
                .bodyValue(Json.gzip(latin1))
                .exchange()
                .expectStatus().isOk();

        assertThat(server.source().events()).extracting(Event::eventType)
                .containsExactly("caf\u00e9", "caf\u00e9", "caf\u00e9");
    }

    @Test
    void readsAValidUtf8BodyWhateverCharsetItDeclares() {
        BridgeServer server = start();
        byte[] utf8 = utf8(quoted(upload("{'event_type':'caf\u00e9','device_id':'device-0001'}")));

        server.client().post().uri("/2/httpapi")
                .header("Content-Type", "application/json; charset=ISO-8859-1")
                .bodyValue(utf8)
                .exchange()
                .expectStatus().isOk();
        HttpResponse<byte[]> unknown = server.postWithContentType("/2/httpapi",
                "application/json; charset=x-no-such-charset", utf8);

        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(server.source().events()).extracting(Event::eventType).containsExactly("caf\u00e9", "caf\u00e9");
    }

    @Test
    void rejectsUploadInvalidInDeclaredCharset() {
        BridgeServer server = start();
        // "device-0001" and then a lone high surrogate, which UTF-16 cannot decode.
        String text = quoted(upload("{'event_type':'e','device_id':'device-0001\ud800x'}"));
        byte[] utf16 = new byte[text.length() * 2];
        for (int i = 0; i < text.length(); i++) {
            utf16[2 * i] = (byte) (text.charAt(i) >> 8);
            utf16[2 * i + 1] = (byte) text.charAt(i);
        }

        HttpResponse<byte[]> result = server.postWithContentType("/2/httpapi", "application/json; charset=UTF-16BE",
                utf16);

        assertThat(result.statusCode()).isEqualTo(400);
        assertThat(Json.read(result.body()).get("error").stringValue()).isEqualTo("Invalid JSON request body");
        assertThat(server.source().events()).isEmpty();
    }

    @Test
    void rejectsAnUnsupportedCharsetByName() {
        BridgeServer server = start();

        HttpResponse<byte[]> result = server.postWithContentType("/2/httpapi",
                "application/json; charset=x-no-such-charset",
                quoted(upload("{'event_type':'caf\u00e9','device_id':'device-0001'}")).getBytes(StandardCharsets.ISO_8859_1));

        assertThat(result.statusCode()).isEqualTo(400);
        JsonNode body = Json.read(result.body());
        assertThat(body.get("code").intValue()).isEqualTo(400);
        assertThat(body.get("error").stringValue()).contains("'x-no-such-charset'");
        assertThat(server.source().events()).isEmpty();
    }

    @Test
    void servesTrailingSlashVariantsUnderAPrefixWithoutRedirecting() {
        BridgeServer server = start((builder) -> builder.pathPrefix("/amplitude"));

        EntityExchangeResult<byte[]> slash = post(server, "/amplitude/2/httpapi/", upload(EVENT));
        EntityExchangeResult<byte[]> batch = post(server, "/amplitude/batch/", upload(EVENT));
        EntityExchangeResult<byte[]> root = post(server, "/2/httpapi", upload(EVENT));

        assertThat(slash.getStatus().value()).isEqualTo(200);
        assertThat(batch.getStatus().value()).isEqualTo(200);
        assertThat(root.getStatus().value()).isEqualTo(404);
    }

    @Test
    void unknownPrefixedPathGetsInvalidPath() {
        BridgeServer server = start((builder) -> builder.pathPrefix("/amplitude"));

        EntityExchangeResult<byte[]> result = server.client().post().uri("/amplitude/3/httpapi")
                .header("Origin", "http://shop.example")
                .bodyValue(quoted(upload(EVENT)))
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(404);
        assertThat(body(result).get("error").stringValue()).isEqualTo("Invalid request path");
        assertThat(result.getResponseHeaders().getAccessControlAllowOrigin()).isEqualTo("http://shop.example");
    }

    @Test
    void remoteIpComesFromUntrustedSocket() {
        BridgeServer server = start();

        server.client().post().uri("/2/httpapi")
                .header("X-Forwarded-For", "203.0.113.9")
                .bodyValue(quoted(upload("{'event_type':'e','device_id':'device-0001','ip':'$remote'}",
                        "{'event_type':'e','device_id':'device-0001'}")))
                .exchange()
                .expectStatus().isOk();

        List<Event> events = server.source().events();
        assertThat(events.get(0).ip()).contains("127.0.0.1");
        assertThat(events.get(1).ip()).isEmpty();
    }

    @Test
    void readsTheClientAddressFromATrustedProxy() {
        BridgeServer server = start((builder) -> builder.trustedProxies(
                io.eventrouter.bridge.privacy.TrustedProxies.of(List.of("127.0.0.0/8"))));

        server.client().post().uri("/2/httpapi")
                .header("X-Forwarded-For", "198.51.100.7, 203.0.113.9")
                .bodyValue(quoted(upload("{'event_type':'e','device_id':'device-0001','ip':'$remote'}")))
                .exchange()
                .expectStatus().isOk();

        assertThat(server.source().events().get(0).ip()).contains("203.0.113.9");
    }

    @Test
    void answersAFullPipelineWithARetryableUnavailable() {
        BridgeServer server = start();
        server.source().rejectSubmissions();

        EntityExchangeResult<byte[]> result = server.client().post().uri("/2/httpapi")
                .bodyValue(quoted(upload(EVENT)))
                .exchange()
                .expectHeader().exists("Retry-After")
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(503);
        assertThat(body(result).get("code").intValue()).isEqualTo(503);
    }

    @Test
    void neverAnswersMalformedInputWithAServerError() {
        BridgeServer server = start();
        List<String> bodies = List.of("", "null", "[]", "123", "\"x\"", "{", "{\"api_key\":5,\"events\":[]}",
                "{\"api_key\":\"k\",\"events\":{}}", "{\"api_key\":\"k\",\"events\":[null,1,\"x\",[]]}",
                "{\"api_key\":\"k\",\"events\":[{\"event_type\":5,\"device_id\":7}]}",
                "{\"api_key\":\"k\",\"options\":{\"min_id_length\":\"x\"},\"events\":[{}]}",
                "{\"api_key\":\"k\",\"options\":[],\"events\":[{\"event_type\":\"e\",\"device_id\":\"device-1\","
                        + "\"time\":1e400,\"session_id\":99999999999999999999999}]}",
                "[".repeat(10_000), "{\"api_key\":\"" + "\\u0000".repeat(10) + "\",\"events\":[{}]}",
                "\uFEFF{\"api_key\":\"k\"}", new String(new byte[] { (byte) 0xC3, (byte) 0x28 },
                        java.nio.charset.StandardCharsets.ISO_8859_1));

        for (String body : bodies) {
            for (String path : List.of("/2/httpapi", "/batch", "/", "/identify", "/groupidentify")) {
                int status = server.client().post().uri(path)
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(body)
                        .exchange()
                        .expectBody().returnResult().getStatus().value();
                assertThat(status).as("POST %s with %s", path, body.length() > 40 ? body.substring(0, 40) : body)
                        .isBetween(200, 499);
            }
        }
    }

}

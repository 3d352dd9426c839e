package io.eventrouter.bridge;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.eventrouter.bridge.ingest.ApiKeyPolicy;
import io.eventrouter.bridge.ingest.LegacyUploadHandler;
import io.eventrouter.core.amplitude.IdentifyApi;
import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import static io.eventrouter.bridge.Json.quoted;
import static org.assertj.core.api.Assertions.assertThat;

/** The legacy form upload of amplitude-js 8 and the legacy mobile SDKs, {@code POST /}. */
class LegacyUploadIntegrationTests {

    private static final String KEY = "legacy-key-0001";

    private static final String EVENT = "{'event_type':'click','device_id':'device-0001','user_id':null,"
            + "'timestamp':1796398001587,'uuid':'840179c7-e708-451b-8dfa-26431ebb5ad5','session_id':1796398001583,"
            + "'library':{'name':'amplitude-js','version':'8.21.10'},'api_properties':{},"
            + "'event_properties':{'unicode':'h\u00e9llo \ud83d\ude00'},'sequence_number':1}";

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    private final Logger handlerLogger = (Logger) LoggerFactory.getLogger(LegacyUploadHandler.class);

    private BridgeServer server;

    @AfterEach
    void stop() {
        this.handlerLogger.detachAppender(this.logs);
        if (this.server != null) {
            this.server.close();
        }
    }

    private void captureLogs() {
        this.logs.start();
        this.handlerLogger.addAppender(this.logs);
    }

    private static String form(String apiKey, String events, boolean withChecksum) {
        String uploadTime = "1796398001588";
        StringBuilder form = new StringBuilder();
        if (withChecksum) {
            form.append("checksum=").append(md5("2" + apiKey + events + uploadTime)).append('&');
        }
        form.append("client=").append(encode(apiKey))
                .append("&e=").append(encode(events))
                .append("&v=2&upload_time=").append(uploadTime);
        return form.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private EntityExchangeResult<byte[]> upload(String path, String form) {
        return this.server.client().post().uri(path)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue(form)
                .exchange()
                .expectBody().returnResult();
    }

    @Test
    void answersExactlyHttp200WithTheBodySuccess() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = upload("/", form(KEY, quoted("[" + EVENT + "]"), true));

        assertThat(result.getStatus().value()).isEqualTo(200);
        assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo("success");
    }

    @Test
    void mapsLegacyFieldsIntoTheCanonicalEvent() {
        this.server = BridgeServer.start();

        upload("/", form(KEY, quoted("[" + EVENT + "]"), true));

        Event event = this.server.source().events().get(0);
        assertThat(event.context().apiKey()).isEqualTo(KEY);
        assertThat(event.time()).hasValue(1796398001587L);
        assertThat(event.insertId()).contains("840179c7-e708-451b-8dfa-26431ebb5ad5");
        assertThat(event.field("library").orElseThrow().stringValue()).isEqualTo("amplitude-js/8.21.10");
        assertThat(event.ip()).contains("127.0.0.1");
        assertThat(event.field("event_properties").orElseThrow().get("unicode").stringValue())
                .isEqualTo("h\u00e9llo \ud83d\ude00");
        assertThat(event.has("timestamp")).isFalse();
        assertThat(event.has("uuid")).isFalse();
    }

    @Test
    void dropsIdentifyApiMarkerClientWrote() {
        this.server = BridgeServer.start();
        String event = "{'event_type':'$identify','device_id':'device-0001','$identify_api':'identify',"
                + "'user_properties':{'$set':{'plan':'pro'}}}";

        upload("/", form(KEY, quoted("[" + event + "]"), false));

        Event received = this.server.source().events().get(0);
        assertThat(received.has(IdentifyApi.MARKER_FIELD)).isFalse();
        assertThat(IdentifyApi.of(received)).isEmpty();
    }

    @Test
    void liftsLocationAndRevenueFromApiProperties() {
        this.server = BridgeServer.start();
        String event = "{'event_type':'buy','device_id':'device-0001','api_properties':{'location':{'lat':1.5,"
                + "'lng':2.5},'androidADID':'ad-id','productId':'sku-1','price':9.99,'quantity':2,"
                + "'tracking_options':{'ip_address':false}}}";

        upload("/", form(KEY, quoted("[" + event + "]"), false));

        Event mapped = this.server.source().events().get(0);
        assertThat(mapped.field("location_lat").orElseThrow().doubleValue()).isEqualTo(1.5);
        assertThat(mapped.field("location_lng").orElseThrow().doubleValue()).isEqualTo(2.5);
        assertThat(mapped.string(io.eventrouter.core.event.EventField.ADID)).contains("ad-id");
        assertThat(mapped.string(io.eventrouter.core.event.EventField.PRODUCT_ID)).contains("sku-1");
        assertThat(mapped.field("quantity").orElseThrow().intValue()).isEqualTo(2);
        assertThat(mapped.ip()).isEmpty();
    }

    @Test
    void liftsOnlyValuesOfTheRightType() {
        this.server = BridgeServer.start();
        captureLogs();
        String event = "{'event_type':'buy','device_id':'device-0001','api_properties':{'location':{'lat':{},"
                + "'lng':2.5},'productId':7,'price':'abc','quantity':2.5,'revenue':9.99,'receipt':'r-1'}}";
        String events = quoted("[" + event + "]");

        EntityExchangeResult<byte[]> first = upload("/", form(KEY, events, true));
        EntityExchangeResult<byte[]> second = upload("/", form(KEY, events, true));

        assertThat(first.getStatus().value()).isEqualTo(200);
        assertThat(new String(first.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo("success");
        assertThat(second.getStatus().value()).isEqualTo(200);
        assertThat(this.server.source().events()).hasSize(2);
        Event mapped = this.server.source().events().get(0);
        assertThat(mapped.has("location_lat")).isFalse();
        assertThat(mapped.has("productId")).isFalse();
        assertThat(mapped.has("price")).isFalse();
        assertThat(mapped.has("quantity")).isFalse();
        assertThat(mapped.field("location_lng").orElseThrow().doubleValue()).isEqualTo(2.5);
        assertThat(mapped.field("revenue").orElseThrow().doubleValue()).isEqualTo(9.99);
        assertThat(mapped.field("receipt").orElseThrow().stringValue()).isEqualTo("r-1");
        assertThat(mapped.field("api_properties").orElseThrow().get("price").stringValue()).isEqualTo("abc");
        List<String> warnings = this.logs.list.stream()
                .filter((log) -> log.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("fields=[location_lat, price, productId, quantity]");
        assertThat(warnings.get(0)).doesNotContain("abc");
    }

    @Test
    void liftsOverATopLevelNull() {
        this.server = BridgeServer.start();
        String event = "{'event_type':'buy','device_id':'device-0001','price':null,'api_properties':{'price':3}}";

        upload("/", form(KEY, quoted("[" + event + "]"), true));

        assertThat(this.server.source().events().get(0).field("price").orElseThrow().intValue()).isEqualTo(3);
    }

    @Test
    void keepsEveryUserPropertyOperationOfALegacyIdentify() {
        this.server = BridgeServer.start();
        String identify = "{'event_type':'$identify','device_id':'device-0001','user_properties':{"
                + "'$set':{'plan':'pro'},'$setOnce':{'a':1},'$add':{'n':1},'$append':{'t':'x'},"
                + "'$prepend':{'h':'y'},'$unset':{'old':'-'},'$preInsert':{'p':'q'},'$postInsert':{'r':'s'},"
                + "'$remove':{'u':'v'},'$clearAll':'-'}}";

        upload("/", form(KEY, quoted("[" + identify + "]"), true));

        assertThat(this.server.source().events().get(0).field("user_properties").orElseThrow().propertyNames())
                .containsExactlyInAnyOrder("$set", "$setOnce", "$add", "$append", "$prepend", "$unset",
                        "$preInsert", "$postInsert", "$remove", "$clearAll");
    }

    @Test
    void acceptsUploadWithoutChecksum() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = upload("/", form(KEY, quoted("[" + EVENT + "]"), false));

        assertThat(result.getStatus().value()).isEqualTo(200);
        assertThat(this.server.source().events()).hasSize(1);
    }

    @Test
    void refusesAWrongChecksum() {
        this.server = BridgeServer.start();
        String form = form(KEY, quoted("[" + EVENT + "]"), true).replaceFirst("checksum=[0-9a-f]+", "checksum=0123");

        EntityExchangeResult<byte[]> result = upload("/", form);

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo("bad_checksum");
        assertThat(this.server.source().events()).isEmpty();
    }

    @Test
    void refusesAnUnlistedKey() {
        this.server = BridgeServer.start((builder) -> builder.apiKeys(ApiKeyPolicy.of(List.of(KEY), Map.of())));

        EntityExchangeResult<byte[]> result = upload("/", form("other-key-0001", quoted("[" + EVENT + "]"), true));

        assertThat(result.getStatus().value()).isEqualTo(400);
        assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo("invalid_api_key");
    }

    @Test
    void dropsOnlyInvalidLegacyEvents() {
        captureLogs();
        this.server = BridgeServer.start();
        String events = quoted("[" + EVENT + ",{'event_type':'no ids'},{'device_id':'device-0002'}," + EVENT + "]");

        EntityExchangeResult<byte[]> result = upload("/", form(KEY, events, true));
        upload("/", form(KEY, events, true));

        assertThat(result.getStatus().value()).isEqualTo(200);
        assertThat(this.server.source().events()).hasSize(4);
        assertThat(this.server.source().rejected()).isEqualTo(Map.of("invalid-event", 4));
        // The SDK received "success", so an operator learns of the drops from the log, once a minute.
        List<String> warnings = this.logs.list.stream()
                .filter((log) -> log.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
        assertThat(warnings).singleElement().asString().contains("dropped_since_last_warning=2")
                .contains("\"event_type\":[2]");
    }

    @Test
    void readsAFormBodyLabelledAsJson() {
        this.server = BridgeServer.start();

        EntityExchangeResult<byte[]> result = this.server.client().post().uri("/")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(form(KEY, quoted("[" + EVENT + "]"), true))
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(200);
    }

    @Test
    void readsAFormInTheCharsetItDeclares() {
        this.server = BridgeServer.start();
        String events = quoted("[{'event_type':'caf\u00e9','device_id':'device-0001'}]");
        String form = "checksum=" + md5("2" + KEY + events + "1") + "&client=" + KEY
                + "&e=" + URLEncoder.encode(events, StandardCharsets.ISO_8859_1) + "&v=2&upload_time=1";
        // A raw Latin-1 byte outside the percent escapes, in a field the handler ignores.
        byte[] body = (form + "&note=\u00e9").getBytes(StandardCharsets.ISO_8859_1);

        EntityExchangeResult<byte[]> result = this.server.client().post().uri("/")
                .header("Content-Type", "application/x-www-form-urlencoded; charset=ISO-8859-1")
                .bodyValue(body)
                .exchange()
                .expectBody().returnResult();

        assertThat(result.getStatus().value()).isEqualTo(200);
        assertThat(this.server.source().events()).extracting(Event::eventType).containsExactly("caf\u00e9");
    }

    @Test
    void rejectsFieldsNotValidInTheCharset() {
        this.server = BridgeServer.start();
        // C0 AF is an overlong '/': two such device ids would otherwise both read as U+FFFD.
        String events = encode(quoted("[{'event_type':'e','device_id':'device-")) + "%C0%AF" + encode(quoted("'}]"));
        String key = encode(KEY) + "%FF";

        EntityExchangeResult<byte[]> badEvents = upload("/", "client=" + encode(KEY) + "&e=" + events);
        EntityExchangeResult<byte[]> badKey = upload("/", "client=" + key + "&e=" + encode(quoted("[" + EVENT + "]")));

        assertThat(badEvents.getStatus().value()).isEqualTo(400);
        assertThat(new String(badEvents.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo("invalid_event_json");
        assertThat(badKey.getStatus().value()).isEqualTo(400);
        assertThat(new String(badKey.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo("invalid_api_key");
        assertThat(this.server.source().events()).isEmpty();
    }

    @Test
    void rejectsMultipartFormNamingTheSupportedType() {
        this.server = BridgeServer.start();
        String multipart = "--b\r\nContent-Disposition: form-data; name=\"client\"\r\n\r\n" + KEY + "\r\n--b--\r\n";

        HttpResponse<byte[]> result = this.server.postWithContentType("/", "multipart/form-data; boundary=b",
                multipart.getBytes(StandardCharsets.UTF_8));

        assertThat(result.statusCode()).isEqualTo(415);
        assertThat(new String(result.body(), StandardCharsets.UTF_8)).contains("application/x-www-form-urlencoded");
        assertThat(this.server.source().events()).isEmpty();
    }

    @Test
    void rejectsAFormInAnUnsupportedCharset() {
        this.server = BridgeServer.start();

        HttpResponse<byte[]> result = this.server.postWithContentType("/",
                "application/x-www-form-urlencoded; charset=x-no-such-charset",
                form(KEY, quoted("[" + EVENT + "]"), true).getBytes(StandardCharsets.UTF_8));

        assertThat(result.statusCode()).isEqualTo(400);
        assertThat(new String(result.body(), StandardCharsets.UTF_8)).contains("'x-no-such-charset'");
        assertThat(this.server.source().events()).isEmpty();
    }

    @Test
    void servesTheLegacyUploadAtThePrefixItself() {
        this.server = BridgeServer.start((builder) -> builder.pathPrefix("/amplitude"));

        EntityExchangeResult<byte[]> bare = upload("/amplitude", form(KEY, quoted("[" + EVENT + "]"), true));
        EntityExchangeResult<byte[]> slash = upload("/amplitude/", form(KEY, quoted("[" + EVENT + "]"), true));

        assertThat(bare.getStatus().value()).isEqualTo(200);
        assertThat(slash.getStatus().value()).isEqualTo(200);
    }

    @Test
    void tooManyEventsGetLegacy413Text() {
        this.server = BridgeServer.start((builder) -> builder.maxEvents(1));

        EntityExchangeResult<byte[]> result = upload("/", form(KEY, quoted("[" + EVENT + "," + EVENT + "]"), true));

        assertThat(result.getStatus().value()).isEqualTo(413);
        assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo("Request Entity Too Large");
    }

}

package io.eventrouter.sdk;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventsTests {

    private static final String API_KEY = "0123456789abcdef";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void trackBuildsEventWithIdsAndProperties() {
        Event event = Events.track("Order Placed")
                .apiKey(API_KEY)
                .userId("user-1")
                .deviceId("device-1")
                .sessionId(1700000000000L)
                .time(Instant.ofEpochMilli(1700000001000L))
                .group("company", "Acme")
                .field("platform", "server")
                .eventProperty("total", 42)
                .eventProperties(Map.of("currency", "EUR"))
                .build();

        assertThat(event.context()).isEqualTo(RequestContext.of(API_KEY));
        assertThat(event.eventType()).isEqualTo("Order Placed");
        assertThat(event.userId()).hasValue("user-1");
        assertThat(event.deviceId()).hasValue("device-1");
        assertThat(event.sessionId()).hasValue(1700000000000L);
        assertThat(event.time()).hasValue(1700000001000L);
        JsonNode json = event.toJson();
        assertThat(json.get("groups").get("company").stringValue()).isEqualTo("Acme");
        assertThat(json.get("platform").stringValue()).isEqualTo("server");
        assertThat(json.get("event_properties").get("total").intValue()).isEqualTo(42);
        assertThat(json.get("event_properties").get("currency").stringValue()).isEqualTo("EUR");
    }

    @Test
    void rejectsNumbersJsonCannotCarry() {
        TrackBuilder builder = Events.track("Ratio Computed").apiKey(API_KEY).userId("user-1");

        assertThatIllegalArgumentException().isThrownBy(() -> builder.eventProperty("ratio", Double.NaN))
                .withMessage("JSON has no NaN or infinite numbers, but the value was NaN");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> builder.eventProperty("limit", Map.of("upper", Float.POSITIVE_INFINITY)));
    }

    @Test
    void buildDrawsRandomInsertIdWhenNoneIsSet() {
        TrackBuilder builder = Events.track("Signed Up").apiKey(API_KEY).userId("user-1");

        Event first = builder.build();
        Event second = builder.build();

        assertThat(first.insertId()).isPresent();
        assertThat(second.insertId()).isPresent();
        assertThat(first.insertId()).isNotEqualTo(second.insertId());
    }

    @Test
    void buildSetsTimeWhenNoneIsSet() {
        TrackBuilder builder = Events.track("Signed Up").apiKey(API_KEY).userId("user-1");
        long before = System.currentTimeMillis();

        Event first = builder.build();
        Event timed = builder.time(Instant.ofEpochMilli(1700000001000L)).build();

        assertThat(first.time().orElseThrow()).isBetween(before, System.currentTimeMillis());
        assertThat(timed.time()).hasValue(1700000001000L);
        assertThat(first.time().orElseThrow()).isNotEqualTo(1700000001000L);
    }

    @Test
    void changingTheBuilderAfterBuildLeavesTheBuiltEventAlone() {
        TrackBuilder builder = Events.track("Order Placed").apiKey(API_KEY).userId("user-1")
                .eventProperty("total", 42);
        Event first = builder.build();

        builder.userId("user-2").eventProperty("total", 43).eventProperty("currency", "EUR");
        Event second = builder.build();

        assertThat(first.userId()).hasValue("user-1");
        assertThat(first.toJson().get("event_properties").propertyNames()).containsExactly("total");
        assertThat(first.toJson().get("event_properties").get("total").intValue()).isEqualTo(42);
        assertThat(second.userId()).hasValue("user-2");
        assertThat(second.toJson().get("event_properties").get("total").intValue()).isEqualTo(43);
    }

    @Test
    void rebuildingKeepsAnInsertIdTheCallerSet() {
        TrackBuilder builder = Events.track("Order Placed").apiKey(API_KEY).userId("user-1").insertId("order-17");

        Event first = builder.build();
        Event second = builder.eventProperty("total", 42).build();

        assertThat(first.insertId()).hasValue("order-17");
        assertThat(second.insertId()).hasValue("order-17");
    }

    @Test
    void changingAnIdentifyAfterBuildLeavesTheBuiltEventAlone() {
        IdentifyBuilder builder = Events.identify().apiKey(API_KEY).userId("user-1").set("plan", "pro");
        Event first = builder.build();

        builder.add("logins", 1);
        Event second = builder.build();

        assertThat(first.toJson().get("user_properties").propertyNames()).containsExactly("$set");
        assertThat(second.toJson().get("user_properties").propertyNames()).containsExactly("$set", "$add");
    }

    @Test
    void builtEventEqualsTheSameEventParsedFromJson() {
        Event built = Events.track("Order Placed").apiKey(API_KEY).userId("user-1").insertId("order-17")
                .time(Instant.ofEpochMilli(1700000001000L)).eventProperty("total", 42).eventProperty("price", 9.5)
                .eventProperty("gift", true).build();

        Event parsed = Event.of(RequestContext.of(API_KEY), (ObjectNode) JSON.readTree(
                "{\"event_type\":\"Order Placed\",\"user_id\":\"user-1\",\"insert_id\":\"order-17\","
                        + "\"time\":1700000001000,\"event_properties\":{\"total\":42,\"price\":9.5,\"gift\":true}}"));

        assertThat(built).isEqualTo(parsed);
        assertThat(built.hashCode()).isEqualTo(parsed.hashCode());
    }

    @Test
    void idempotencyKeyGivesSameInsertIdEveryTime() {
        Event first = Events.track("Order Placed").apiKey(API_KEY).userId("user-1").idempotencyKey("order-17").build();
        Event second = Events.track("Order Placed").apiKey(API_KEY).userId("user-1").idempotencyKey("order-17").build();
        Event other = Events.track("Order Placed").apiKey(API_KEY).userId("user-1").idempotencyKey("order-18").build();

        assertThat(first.insertId()).isEqualTo(second.insertId());
        assertThat(first.insertId()).isNotEqualTo(other.insertId());
        assertThat(first.insertId()).hasValue(Events.insertId("order-17"));
    }

    @Test
    void insertIdOfKeyIsStableAcrossReleases() {
        assertThat(Events.insertId("order-17")).isEqualTo("a593c7b9-62d5-3f24-a985-c7337ec1fce1");
    }

    @Test
    void withIdempotencyKeyReplacesInsertId() {
        Event event = Events.track("Order Placed").apiKey(API_KEY).userId("user-1").insertId("random").build();

        Event keyed = Events.withIdempotencyKey(event, "order-17");

        assertThat(keyed.insertId()).hasValue(Events.insertId("order-17"));
    }

    @Test
    void blankIdempotencyKeyIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> Events.insertId(" "))
                .withMessageContaining("idempotencyKey");
    }

    @Test
    void buildWithoutApiKeyFails() {
        assertThatIllegalStateException().isThrownBy(() -> Events.track("Signed Up").userId("user-1").build())
                .withMessageContaining("API key");
    }

    @Test
    void buildWithoutUserOrDeviceIdFails() {
        assertThatIllegalStateException().isThrownBy(() -> Events.track("Signed Up").apiKey(API_KEY).build())
                .withMessageContaining("user id or a device id");
    }

    @Test
    void blankEventTypeIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> Events.track(" \t"))
                .withMessageContaining("eventType");
    }

    @Test
    void eventTypeCannotBeOverwrittenAsField() {
        assertThatIllegalArgumentException().isThrownBy(() -> Events.track("Signed Up").field("event_type", "x"));
    }

    @Test
    void identifyWritesEveryOperationIntoUserProperties() {
        Event event = Events.identify()
                .apiKey(API_KEY)
                .userId("user-1")
                .set("plan", "pro")
                .setOnce("first_seen", "2026-12-04")
                .add("logins", 1)
                .append("tags", "beta")
                .prepend("history", "signup")
                .preInsert("first_items", "a")
                .postInsert("last_items", "z")
                .remove("cohorts", "trial")
                .unset("legacy")
                .build();

        assertThat(event.eventType()).isEqualTo("$identify");
        JsonNode operations = event.toJson().get("user_properties");
        assertThat(operations.get("$set").get("plan").stringValue()).isEqualTo("pro");
        assertThat(operations.get("$setOnce").get("first_seen").stringValue()).isEqualTo("2026-12-04");
        assertThat(operations.get("$add").get("logins").intValue()).isEqualTo(1);
        assertThat(operations.get("$append").get("tags").stringValue()).isEqualTo("beta");
        assertThat(operations.get("$prepend").get("history").stringValue()).isEqualTo("signup");
        assertThat(operations.get("$preInsert").get("first_items").stringValue()).isEqualTo("a");
        assertThat(operations.get("$postInsert").get("last_items").stringValue()).isEqualTo("z");
        assertThat(operations.get("$remove").get("cohorts").stringValue()).isEqualTo("trial");
        assertThat(operations.get("$unset").get("legacy").stringValue()).isEqualTo("-");
    }

    @Test
    void identifyClearAllSendsOnlyClearAll() {
        Event event = Events.identify().apiKey(API_KEY).deviceId("device-1").clearAll().build();

        assertThat(event.toJson().get("user_properties").propertyNames()).containsExactly("$clearAll");
    }

    @Test
    void identifyRejectsOperationAfterClearAll() {
        IdentifyBuilder builder = Events.identify().clearAll();

        assertThatIllegalStateException().isThrownBy(() -> builder.set("plan", "pro"))
                .withMessageContaining("$clearAll");
    }

    @Test
    void identifyRejectsClearAllAfterOperation() {
        IdentifyBuilder builder = Events.identify().set("plan", "pro");

        assertThatIllegalStateException().isThrownBy(builder::clearAll).withMessageContaining("$set");
    }

    @Test
    void identifyRejectsSecondOperationOnSameProperty() {
        IdentifyBuilder builder = Events.identify().set("plan", "pro");

        assertThatIllegalArgumentException().isThrownBy(() -> builder.unset("plan"))
                .withMessageContaining("'plan'")
                .withMessageContaining("$set");
    }

    @Test
    void identifyWithoutOperationFails() {
        assertThatIllegalStateException()
                .isThrownBy(() -> Events.identify().apiKey(API_KEY).userId("user-1").build())
                .withMessageContaining("operation");
    }

    @Test
    void identifyGroupSetsGroupAndUserProperty() {
        Event event = Events.identify().apiKey(API_KEY).userId("user-1").group("company", "Acme").build();

        JsonNode json = event.toJson();
        assertThat(json.get("groups").get("company").stringValue()).isEqualTo("Acme");
        assertThat(json.get("user_properties").get("$set").get("company").stringValue()).isEqualTo("Acme");
    }

    @Test
    void groupIdentifyWritesGroupAndGroupProperties() {
        Event event = Events.groupIdentify("company", "Acme")
                .apiKey(API_KEY)
                .userId("user-1")
                .set("employees", 120)
                .add("seats", 5)
                .build();

        assertThat(event.eventType()).isEqualTo("$groupidentify");
        JsonNode json = event.toJson();
        assertThat(json.get("groups").get("company").stringValue()).isEqualTo("Acme");
        assertThat(json.get("group_properties").get("$set").get("employees").intValue()).isEqualTo(120);
        assertThat(json.get("group_properties").get("$add").get("seats").intValue()).isEqualTo(5);
        assertThat(json.has("user_properties")).isFalse();
    }

    @Test
    void groupIdentifyRejectsSecondGroup() {
        GroupIdentifyBuilder builder = Events.groupIdentify("company", "Acme");

        assertThatThrownBy(() -> builder.group("team", "Core")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void revenueWritesAmplitudeRevenueProperties() {
        Event event = Events.revenue(9.99)
                .apiKey(API_KEY)
                .userId("user-1")
                .quantity(3)
                .productId("sku-1")
                .revenueType("purchase")
                .currency("EUR")
                .receipt("receipt", "signature")
                .eventProperty("coupon", "WINTER")
                .build();

        assertThat(event.eventType()).isEqualTo("revenue_amount");
        JsonNode properties = event.toJson().get("event_properties");
        assertThat(properties.get("$price").doubleValue()).isEqualTo(9.99);
        assertThat(properties.get("$quantity").intValue()).isEqualTo(3);
        assertThat(properties.get("$revenue").doubleValue()).isEqualTo(9.99 * 3);
        assertThat(properties.get("$productId").stringValue()).isEqualTo("sku-1");
        assertThat(properties.get("$revenueType").stringValue()).isEqualTo("purchase");
        assertThat(properties.get("$currency").stringValue()).isEqualTo("EUR");
        assertThat(properties.get("$receipt").stringValue()).isEqualTo("receipt");
        assertThat(properties.get("$receiptSig").stringValue()).isEqualTo("signature");
        assertThat(properties.get("coupon").stringValue()).isEqualTo("WINTER");
    }

    @Test
    void revenueKeepsExplicitTotal() {
        Event event = Events.revenue(10).apiKey(API_KEY).userId("user-1").quantity(2).revenue(15).build();

        assertThat(event.toJson().get("event_properties").get("$revenue").doubleValue()).isEqualTo(15.0);
    }

    @Test
    void revenueRejectsInvalidValues() {
        assertThatIllegalArgumentException().isThrownBy(() -> Events.revenue(Double.NaN));
        assertThatIllegalArgumentException().isThrownBy(() -> Events.revenue(1).quantity(0));
        assertThatIllegalArgumentException().isThrownBy(() -> Events.revenue(1).currency("euro"));
    }

    @Test
    void publisherBuildersUseDefaultApiKey() {
        try (EventPublisher publisher = EventPublisher.builder()
                .inProcess(new RecordingSource())
                .apiKey(API_KEY)
                .build()) {

            List<Event> events = List.of(
                    publisher.track("Signed Up").userId("user-1").build(),
                    publisher.identify().userId("user-1").set("plan", "pro").build(),
                    publisher.groupIdentify("company", "Acme").userId("user-1").set("size", 3).build(),
                    publisher.revenue(5).userId("user-1").build());

            assertThat(events).extracting(Event::context).containsOnly(RequestContext.of(API_KEY));
        }
    }

}

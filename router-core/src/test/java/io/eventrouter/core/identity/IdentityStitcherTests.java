package io.eventrouter.core.identity;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;
import io.eventrouter.core.event.RequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.JsonNodeFactory;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityStitcherTests {

    private static final String API_KEY = "project-one-api-key";

    private static final long NOW = Instant.parse("2026-12-04T12:00:00Z").toEpochMilli();

    private static final long SESSION = NOW - 60_000;

    private final EmbeddedIdentityStore store = EmbeddedIdentityStore.inMemory(10_000);

    private final IdentityStitcher stitcher = IdentityStitcher.builder(stitchedStore(this.store))
            .sessionWindow(Duration.ofMinutes(30))
            .clock(InstantSource.fixed(Instant.ofEpochMilli(NOW)))
            .build();

    /** Returns the store the stitcher uses; the embedded store itself, so the synchronous path. */
    protected IdentityStore stitchedStore(EmbeddedIdentityStore store) {
        return store;
    }

    @AfterEach
    void closeStore() {
        this.store.close();
    }

    @Test
    void fillsDevicesLastUserIntoLaterAnonymousEvent() {
        stitch(browser("page_view").deviceId("device-a1").userId("alice").build());

        Event stitched = stitch(browser("click").deviceId("device-a1").build());

        assertThat(stitched.userId()).hasValue("alice");
        assertThat(StitchedFields.of(stitched)).containsExactly("user_id");
    }

    @Test
    void passesOversizedIdsUnstitched() {
        String longDeviceId = "d".repeat(IdentityStitcher.MAX_ID_LENGTH + 1);
        Event longDevice = browser("login").deviceId(longDeviceId).userId("alice").build();
        Event longUser = browser("login").deviceId("device-a1").userId("u".repeat(40_000)).build();

        List<Event> passed = this.stitcher.stitch(List.of(longDevice, longUser)).block();
        Event anonymous = stitch(browser("click").deviceId("device-a1").build());

        assertThat(passed).containsExactly(longDevice, longUser);
        assertThat(anonymous.userId()).isEmpty();
        assertThat(this.stitcher.failedEvents()).isZero();
    }

    @Test
    void treatsNullUserIdAsAbsentRatherThanLogout() {
        stitch(browser("login").deviceId("device-a1").userId("alice").build());

        Event stitched = stitch(browser("click").deviceId("device-a1")
                .field("user_id", JsonNodeFactory.instance.nullNode()).build());

        assertThat(stitched.userId()).hasValue("alice");
    }

    @Test
    void neverLinksTwoUsersWhoShareADeviceAcrossLogout() {
        stitch(browser("login").deviceId("shared-d1").userId("alice").sessionId(SESSION).build());
        Event afterLogout = stitch(browser("page_view").deviceId("shared-d2").build());
        stitch(browser("login").deviceId("shared-d2").userId("bob").sessionId(SESSION + 1).build());

        Event anonymousOnNewDevice = stitch(browser("click").deviceId("shared-d2").build());
        Event anonymousOnOldDevice = stitch(browser("late_click").deviceId("shared-d1").build());
        Event serverForAlice = stitch(server("invoice_paid").userId("alice").build());
        Event serverForBob = stitch(server("invoice_paid").userId("bob").build());

        assertThat(afterLogout.userId()).isEmpty();
        assertThat(anonymousOnNewDevice.userId()).hasValue("bob");
        assertThat(anonymousOnOldDevice.userId()).hasValue("alice");
        assertThat(serverForAlice.deviceId()).hasValue("shared-d1");
        assertThat(serverForBob.deviceId()).hasValue("shared-d2");
    }

    @Test
    void keepsSentUserIdWhenDeviceBelongedToAnotherUser() {
        stitch(browser("login").deviceId("shared-d1").userId("alice").build());

        Event bobsEvent = stitch(browser("login").deviceId("shared-d1").userId("bob").build());
        Event anonymous = stitch(browser("click").deviceId("shared-d1").build());

        assertThat(bobsEvent.userId()).hasValue("bob");
        assertThat(StitchedFields.of(bobsEvent)).isEmpty();
        assertThat(anonymous.userId()).hasValue("bob");
    }

    @Test
    void givesServerEventTheDeviceAndSessionOfTheBrowserLogin() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());

        Event stitched = stitch(server("order_shipped").userId("alice").build());

        assertThat(stitched.deviceId()).hasValue("browser-d1");
        assertThat(stitched.sessionId()).hasValue(SESSION);
        assertThat(StitchedFields.of(stitched)).containsExactly("device_id", "session_id");
    }

    @Test
    void filledDeviceIdRecordsNoLink() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());
        // The server SDK filled this device id from a browser request's headers.
        Event fromHeaders = server("checkout").deviceId("header-d9").userId("alice").build();
        stitch(StitchedFields.mark(fromHeaders, List.of(EventField.DEVICE_ID)));

        Event later = stitch(server("order_shipped").userId("alice").build());
        Event anonymous = stitch(browser("page_view").deviceId("header-d9").build());

        assertThat(later.deviceId()).hasValue("browser-d1");
        assertThat(later.sessionId()).hasValue(SESSION);
        assertThat(anonymous.userId()).isEmpty();
    }

    @Test
    void replacedDeviceIdStillRecordsLinks() {
        // The first-party cookie replaced the SDK's device id and kept it beside the mark.
        Event login = browser("login").deviceId("stable-d1").userId("bob").sessionId(SESSION).build();
        stitch(Event.ofOwned(login.context(), StitchedFields.mark(login.toJson(), List.of(EventField.DEVICE_ID),
                "sdk-d1")));

        Event later = stitch(server("order_shipped").userId("bob").build());

        assertThat(later.deviceId()).hasValue("stable-d1");
        assertThat(later.sessionId()).hasValue(SESSION);
    }

    @Test
    void leavesServerEventAloneWhenTheUsersActivityIsOutsideTheWindow() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION)
                .time(NOW - Duration.ofMinutes(31).toMillis()).build());

        Event stitched = stitch(server("order_shipped").userId("alice").build());

        assertThat(stitched.deviceId()).isEmpty();
        assertThat(stitched.sessionId()).isEmpty();
        assertThat(StitchedFields.of(stitched)).isEmpty();
    }

    @Test
    void neverOverwritesSentDeviceIdOrSessionId() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());

        Event stitched = stitch(server("order_shipped").userId("alice").deviceId("server-d9")
                .sessionId(42).build());

        assertThat(stitched.deviceId()).hasValue("server-d9");
        assertThat(stitched.sessionId()).hasValue(42);
        assertThat(StitchedFields.of(stitched)).isEmpty();
    }

    @Test
    void treatsJavaSdkSessionIdMinusOneAsAbsent() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());

        Event stitched = stitch(server("order_shipped").userId("alice").sessionId(-1).build());

        assertThat(stitched.sessionId()).hasValue(SESSION);
    }

    @Test
    void treatsEmptyAndNullIdsAsAbsent() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());

        Event stitched = stitch(server("order_shipped").userId("alice").deviceId("")
                .field("session_id", JsonNodeFactory.instance.nullNode()).build());

        assertThat(stitched.deviceId()).hasValue("browser-d1");
        assertThat(stitched.sessionId()).hasValue(SESSION);
    }

    @Test
    void keepsSessionIdOfAnotherType() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());

        Event stitched = stitch(server("order_shipped").userId("alice").field("session_id", "custom").build());

        assertThat(stitched.field("session_id")).hasValueSatisfying((value) ->
                assertThat(value.stringValue()).isEqualTo("custom"));
        assertThat(StitchedFields.of(stitched)).containsExactly("device_id");
    }

    @Test
    void fillsSessionOnlyFromTheSameDevice() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());

        Event stitched = stitch(server("order_shipped").userId("alice").deviceId("phone-d2").build());

        assertThat(stitched.sessionId()).isEmpty();
    }

    @Test
    void keepsApplicationEventPropertiesBesideTheMark() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").build());

        Event stitched = stitch(browser("click").deviceId("browser-d1").eventProperty("button", "buy").build());

        assertThat(stitched.field("event_properties")).hasValueSatisfying((properties) -> {
            assertThat(properties.get("button").stringValue()).isEqualTo("buy");
            assertThat(properties.get(StitchedFields.PROPERTY).size()).isEqualTo(1);
        });
    }

    @Test
    void returnsTheSameEventWhenNothingIsFilled() {
        Event event = browser("page_view").deviceId("unknown-d1").build();

        Event stitched = stitch(event);

        assertThat(stitched).isSameAs(event);
    }

    @Test
    void appliesAnIdentifyToTheAnonymousEventsAfterItInTheSameBatch() {
        List<Event> batch = List.of(
                browser("before").deviceId("browser-d1").build(),
                browser("$identify").deviceId("browser-d1").userId("alice").build(),
                browser("after").deviceId("browser-d1").build());

        List<Event> stitched = this.stitcher.stitch(batch).block();

        assertThat(stitched).extracting((event) -> event.userId().orElse("none"))
                .containsExactly("none", "alice", "alice");
    }

    @Test
    void keepsProjectsApart() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").build());

        Event otherProject = stitch(Event.builder("click").apiKey("project-two-api-key")
                .deviceId("browser-d1").time(NOW).build());

        assertThat(otherProject.userId()).isEmpty();
    }

    @Test
    void serverEventsDoNotExtendTheBrowserSession() {
        long loginTime = NOW - Duration.ofMinutes(20).toMillis();
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).time(loginTime).build());
        stitch(server("order_paid").userId("alice").build());

        Event later = stitch(server("order_shipped").userId("alice")
                .time(loginTime + Duration.ofMinutes(31).toMillis()).build());

        assertThat(later.deviceId()).isEmpty();
    }

    @Test
    void keepsTheDevicesSessionWhenItsEventLacksOne() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());
        stitch(browser("$identify").deviceId("browser-d1").userId("alice").build());

        Event stitched = stitch(server("order_shipped").userId("alice").build());

        assertThat(stitched.sessionId()).hasValue(SESSION);
    }

    @Test
    void renewsTheUsersActivityAtMostOncePerMinute() {
        IdentityScope scope = this.stitcher.scope(RequestContext.of(API_KEY));
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());

        stitch(browser("click").deviceId("browser-d1").userId("alice").sessionId(SESSION).time(NOW + 30_000).build());
        long afterThirtySeconds = this.store.findUserActivity(scope, "alice").block().time();
        stitch(browser("click").deviceId("browser-d1").userId("alice").sessionId(SESSION).time(NOW + 90_000).build());
        long afterNinetySeconds = this.store.findUserActivity(scope, "alice").block().time();

        assertThat(afterThirtySeconds).isEqualTo(NOW);
        assertThat(afterNinetySeconds).isEqualTo(NOW + 90_000);
    }

    @Test
    void recordsANewSessionAtOnce() {
        IdentityScope scope = this.stitcher.scope(RequestContext.of(API_KEY));
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());

        stitch(browser("click").deviceId("browser-d1").userId("alice").sessionId(SESSION + 5).time(NOW + 1).build());

        assertThat(this.store.findUserActivity(scope, "alice").block().sessionId()).isEqualTo(SESSION + 5);
    }

    @Test
    void passesEventsUnstitchedWhenTheStoreFails() {
        IdentityStitcher failing = IdentityStitcher.builder(new FailingStore()).build();
        Event event = browser("click").deviceId("browser-d1").build();

        Event stitched = failing.stitch(event).block();

        assertThat(stitched).isSameAs(event);
        assertThat(failing.failedEvents()).isEqualTo(1);
    }

    @Test
    void stopsAskingAHangingStoreWithinOneCall() {
        HangingIdentityStore hanging = new HangingIdentityStore();
        IdentityStitcher stitcher = IdentityStitcher.builder(hanging).storeTimeout(Duration.ofMillis(50)).build();
        List<Event> events = List.of(browser("a").deviceId("browser-d1").build(),
                browser("b").deviceId("browser-d2").build(), browser("c").deviceId("browser-d3").build());

        List<Event> stitched = stitcher.stitch(events).block();

        assertThat(stitched).containsExactlyElementsOf(events);
        assertThat(hanging.calls()).isEqualTo(1);
        assertThat(stitcher.failedEvents()).isEqualTo(3);
    }

    @Test
    void boundsHowFarAheadAClientClockCounts() {
        AtomicLong now = new AtomicLong(NOW);
        IdentityStitcher stitcher = IdentityStitcher.builder(stitchedStore(this.store))
                .clock(() -> Instant.ofEpochMilli(now.get()))
                .build();
        long yearAhead = NOW + Duration.ofDays(365).toMillis();
        stitcher.stitch(browser("login").deviceId("shared-d1").userId("dave").time(yearAhead).build()).block();
        now.addAndGet(Duration.ofMinutes(10).toMillis());
        stitcher.stitch(browser("login").deviceId("shared-d1").userId("erin").time(now.get()).build()).block();

        Event anonymous = stitcher.stitch(browser("click").deviceId("shared-d1").time(now.get() + 1).build()).block();

        assertThat(anonymous.userId()).contains("erin");
    }

    @Test
    void countsStitchedEvents() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").build());
        stitch(browser("click").deviceId("browser-d1").build());

        assertThat(this.stitcher.stitchedEvents()).isEqualTo(1);
    }

    @Test
    void keepsMarksOfAnEarlierRouter() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").sessionId(SESSION).build());
        Event marked = server("order_shipped").userId("alice")
                .eventProperty(StitchedFields.PROPERTY, List.of("user_id")).build();

        Event stitched = stitch(marked);

        assertThat(StitchedFields.of(stitched)).containsExactly("user_id", "device_id", "session_id");
    }

    @Test
    void stitchedEventKeepsItsContext() {
        stitch(browser("login").deviceId("browser-d1").userId("alice").build());
        Event event = Event.builder("click").context(new RequestContext(API_KEY, 1)).deviceId("browser-d1")
                .time(NOW).build();

        Event stitched = stitch(event);

        assertThat(stitched.context()).isEqualTo(event.context());
        assertThat(stitched.toJson().get(EventField.USER_ID.jsonName()).stringValue()).isEqualTo("alice");
    }

    private Event stitch(Event event) {
        return this.stitcher.stitch(event).block();
    }

    private static Event.Builder browser(String eventType) {
        return Event.builder(eventType).apiKey(API_KEY).time(NOW);
    }

    private static Event.Builder server(String eventType) {
        return Event.builder(eventType).apiKey(API_KEY);
    }

    /** A store whose every call fails, as an unreachable Redis would. */
    private static final class FailingStore implements IdentityStore {

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

    }

}

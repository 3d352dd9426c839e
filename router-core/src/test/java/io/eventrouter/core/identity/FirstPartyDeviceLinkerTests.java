package io.eventrouter.core.identity;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;

import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FirstPartyDeviceLinkerTests {

    private static final String API_KEY = "first-party-api-key";

    private static final String COOKIE = "fp-3f2a9c";

    private static final long START = Instant.parse("2026-12-01T09:00:00Z").toEpochMilli();

    private static final long EIGHT_DAYS = Duration.ofDays(8).toMillis();

    private final EmbeddedIdentityStore store = EmbeddedIdentityStore.inMemory(1_000);

    private final FirstPartyDeviceLinker linker = new FirstPartyDeviceLinker(this.store, Duration.ofDays(7),
            InstantSource.fixed(Instant.ofEpochMilli(START)));

    @AfterEach
    void closeStore() {
        this.store.close();
    }

    @Test
    void leavesTheFirstDeviceIdOfACookieAlone() {
        Event event = event("page_view", "sdk-d1", START);

        Event linked = link(event);

        assertThat(linked).isSameAs(event);
    }

    @Test
    void keepsTheDeviceIdWhenTheSdkStorageExpired() {
        link(event("page_view", "sdk-d1", START));

        Event linked = link(event("page_view", "sdk-d2", START + EIGHT_DAYS));

        assertThat(linked.deviceId()).hasValue("sdk-d1");
        assertThat(StitchedFields.of(linked)).containsExactly("device_id");
        assertThat(linked.field("event_properties").orElseThrow()
                .get(StitchedFields.ORIGINAL_DEVICE_ID_PROPERTY).stringValue()).isEqualTo("sdk-d2");
    }

    @Test
    void keepsReplacingTheNewDeviceIdAfterItWasLinked() {
        link(event("page_view", "sdk-d1", START));
        link(event("page_view", "sdk-d2", START + EIGHT_DAYS));

        Event later = link(event("click", "sdk-d2", START + EIGHT_DAYS + 5_000));

        assertThat(later.deviceId()).hasValue("sdk-d1");
    }

    @Test
    void acceptsANewDeviceIdAfterALogout() {
        link(event("page_view", "sdk-d1", START));

        Event afterLogout = link(event("page_view", "sdk-d2", START + Duration.ofHours(1).toMillis()));
        Event muchLater = link(event("page_view", "sdk-d2", START + EIGHT_DAYS));

        assertThat(afterLogout.deviceId()).hasValue("sdk-d2");
        assertThat(muchLater.deviceId()).hasValue("sdk-d2");
    }

    @Test
    void neverGivesOneUsersDeviceToAnother() {
        this.store.recordDeviceLink(IdentityScope.ofApiKey(API_KEY), "sdk-d1", new DeviceLink("alice", START))
                .block();
        link(event("login", "sdk-d1", START));

        Event bob = link(Event.builder("login").apiKey(API_KEY).deviceId("sdk-d2").userId("bob")
                .time(START + EIGHT_DAYS).build());

        assertThat(bob.deviceId()).hasValue("sdk-d2");
        assertThat(StitchedFields.of(bob)).isEmpty();
    }

    @Test
    void linksTheSameUsersNewDeviceId() {
        this.store.recordDeviceLink(IdentityScope.ofApiKey(API_KEY), "sdk-d1", new DeviceLink("alice", START))
                .block();
        link(event("login", "sdk-d1", START));

        Event alice = link(Event.builder("login").apiKey(API_KEY).deviceId("sdk-d2").userId("alice")
                .time(START + EIGHT_DAYS).build());

        assertThat(alice.deviceId()).hasValue("sdk-d1");
    }

    @Test
    void treatsALogoutAfterExpiredStorageAsANewDevice() {
        link(event("page_view", "sdk-d1", START));
        link(event("page_view", "sdk-d2", START + EIGHT_DAYS));

        Event afterLogout = link(event("page_view", "sdk-d3", START + EIGHT_DAYS + 60_000));

        assertThat(afterLogout.deviceId()).hasValue("sdk-d3");
    }

    @Test
    void givesTheStableDeviceItsLastUserThroughTheStitcher() {
        IdentityStitcher stitcher = IdentityStitcher.builder(this.store).build();
        stitcher.stitch(this.linker.link(COOKIE, List.of(Event.builder("login").apiKey(API_KEY).deviceId("sdk-d1")
                .userId("alice").time(START).build())).block()).block();

        List<Event> stitched = stitcher.stitch(this.linker.link(COOKIE,
                List.of(event("page_view", "sdk-d2", START + EIGHT_DAYS))).block()).block();

        assertThat(stitched.get(0).deviceId()).hasValue("sdk-d1");
        assertThat(stitched.get(0).userId()).hasValue("alice");
        assertThat(StitchedFields.of(stitched.get(0))).containsExactly("device_id", "user_id");
    }

    @Test
    void leavesEventsWithoutDeviceIdAlone() {
        Event event = Event.builder("order_paid").apiKey(API_KEY).userId("alice").build();

        Event linked = link(event);

        assertThat(linked).isSameAs(event);
    }

    private Event link(Event event) {
        return this.linker.link(COOKIE, List.of(event)).block().get(0);
    }

    private static Event event(String eventType, String deviceId, long time) {
        return Event.builder(eventType).apiKey(API_KEY).deviceId(deviceId).time(time).build();
    }

}

package io.eventrouter.core.identity;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviour every {@link IdentityStore} must have. Each implementation's test class extends
 * this one; every test works in a scope of its own, so stores may be shared between tests.
 */
public abstract class IdentityStoreContractTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    protected IdentityStore store;

    protected IdentityScope scope;

    /** Creates the store under test; called before each test. */
    protected abstract IdentityStore createStore();

    @BeforeEach
    void openStore() {
        this.store = createStore();
        this.scope = IdentityScope.ofApiKey(UUID.randomUUID().toString());
    }

    @AfterEach
    void closeStore() {
        release(this.store);
    }

    /** Releases the store after a test; a class that shares one store between tests keeps it open. */
    protected void release(IdentityStore store) {
        store.close();
    }

    @Test
    void findsNothingForUnknownIds() {
        assertThat(this.store.findDeviceLink(this.scope, "unknown-device").blockOptional(TIMEOUT)).isEmpty();
        assertThat(this.store.findUserActivity(this.scope, "unknown-user").blockOptional(TIMEOUT)).isEmpty();
    }

    @Test
    void findsRecordedDeviceLink() {
        recordLink("device-1", "alice", 1_000);

        assertThat(link("device-1")).isEqualTo(new DeviceLink("alice", 1_000));
    }

    @Test
    void findsRecordedUserActivity() {
        recordActivity("alice", new UserActivity("device-1", 777, 1_000));

        assertThat(activity("alice")).isEqualTo(new UserActivity("device-1", 777, 1_000));
    }

    @Test
    void keepsActivityWithoutSession() {
        recordActivity("alice", new UserActivity("device-1", UserActivity.NO_SESSION, 1_000));

        assertThat(activity("alice").session()).isEmpty();
    }

    @Test
    void keepsNewerLinkWhenAnOlderOneArrivesLater() {
        recordLink("device-1", "bob", 2_000);
        recordLink("device-1", "alice", 1_000);

        assertThat(link("device-1").userId()).isEqualTo("bob");
    }

    @Test
    void replacesLinkWithOneOfEqualTime() {
        recordLink("device-1", "alice", 1_000);
        recordLink("device-1", "bob", 1_000);

        assertThat(link("device-1").userId()).isEqualTo("bob");
    }

    @Test
    void keepsNewerActivityWhenAnOlderOneArrivesLater() {
        recordActivity("alice", new UserActivity("phone", 5, 2_000));
        recordActivity("alice", new UserActivity("browser", 4, 1_000));

        assertThat(activity("alice").deviceId()).isEqualTo("phone");
    }

    @Test
    void keepsScopesApart() {
        recordLink("device-1", "alice", 1_000);

        IdentityScope other = IdentityScope.ofApiKey(UUID.randomUUID().toString());

        assertThat(this.store.findDeviceLink(other, "device-1").blockOptional(TIMEOUT)).isEmpty();
    }

    @Test
    void keepsDeviceIdsApartFromEqualUserIds() {
        recordLink("same-id", "alice", 1_000);

        assertThat(this.store.findUserActivity(this.scope, "same-id").blockOptional(TIMEOUT)).isEmpty();
    }

    @Test
    void storesIdsWithAnyCharacters() {
        String userId = "zoë:{user}\u00a0😀 with spaces";
        recordActivity(userId, new UserActivity("gerät-ü:1", 9, 1_000));

        assertThat(activity(userId).deviceId()).isEqualTo("gerät-ü:1");
    }

    @Test
    void convergesOnTheNewestLinkUnderConcurrentUpdates() {
        List<Integer> times = IntStream.rangeClosed(1, 200).boxed().toList();

        Flux.fromIterable(times)
                .parallel(4)
                .runOn(Schedulers.parallel())
                .flatMap((time) -> this.store.recordDeviceLink(this.scope, "busy-device",
                        new DeviceLink("user-" + time, time)).then(this.store.recordUserActivity(this.scope,
                        "busy-user", new UserActivity("device-" + time, time, time))))
                .then()
                .block(TIMEOUT);

        assertThat(link("busy-device")).isEqualTo(new DeviceLink("user-200", 200));
        assertThat(activity("busy-user")).isEqualTo(new UserActivity("device-200", 200, 200));
    }

    @Test
    void stitchesConcurrentEventsOfOneDeviceWithoutChangingTheirUsers() {
        IdentityStitcher stitcher = IdentityStitcher.builder(this.store).storeTimeout(TIMEOUT).build();
        String apiKey = UUID.randomUUID().toString();
        List<Event> events = IntStream.rangeClosed(1, 100)
                .mapToObj((index) -> Event.builder("login").apiKey(apiKey).deviceId("shared-device")
                        .userId("user-" + index).time(index).build())
                .toList();

        List<Event> stitched = Flux.fromIterable(events)
                .parallel(4)
                .runOn(Schedulers.parallel())
                .flatMap(stitcher::stitch)
                .sequential()
                .collectList()
                .block(TIMEOUT);

        assertThat(stitcher.failedEvents()).isZero();
        assertThat(stitched).allSatisfy((event) -> assertThat(StitchedFields.of(event)).isEmpty());
        assertThat(stitched).extracting((event) -> event.userId().orElseThrow())
                .containsExactlyInAnyOrderElementsOf(events.stream().map((event) -> event.userId().orElseThrow())
                        .toList());
        IdentityScope projectScope = IdentityScope.ofApiKey(apiKey);
        assertThat(this.store.findDeviceLink(projectScope, "shared-device").block(TIMEOUT))
                .isEqualTo(new DeviceLink("user-100", 100));
    }

    protected void recordLink(String deviceId, String userId, long time) {
        this.store.recordDeviceLink(this.scope, deviceId, new DeviceLink(userId, time)).block(TIMEOUT);
    }

    protected void recordActivity(String userId, UserActivity activity) {
        this.store.recordUserActivity(this.scope, userId, activity).block(TIMEOUT);
    }

    protected DeviceLink link(String deviceId) {
        return this.store.findDeviceLink(this.scope, deviceId).blockOptional(TIMEOUT).orElseThrow();
    }

    protected UserActivity activity(String userId) {
        return this.store.findUserActivity(this.scope, userId).blockOptional(TIMEOUT).orElseThrow();
    }

}

package io.eventrouter.core.identity;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityLookupTests {

    private static final IdentityScope SCOPE = IdentityScope.ofApiKey("lookup-api-key");

    private final EmbeddedIdentityStore store = EmbeddedIdentityStore.inMemory(1_000);

    private final IdentityLookup lookup = new IdentityLookup(this.store);

    @AfterEach
    void closeStore() {
        this.store.close();
    }

    @Test
    void findsTheUserAndActivityOfADevice() {
        this.store.recordDeviceLink(SCOPE, "browser-d1", new DeviceLink("alice", 1_000)).block();
        this.store.recordUserActivity(SCOPE, "alice", new UserActivity("phone-d2", 55, 2_000)).block();

        LinkedIdentities linked = this.lookup.ofDevice(SCOPE, "browser-d1").block();

        assertThat(linked).isEqualTo(new LinkedIdentities("browser-d1", null, "alice",
                new UserActivity("phone-d2", 55, 2_000)));
    }

    @Test
    void followsADeviceAliasToTheStableDevice() {
        this.store.record(SCOPE, LinkKind.DEVICE_ALIAS, "sdk-d2", IdentityLink.of("sdk-d1", 1_000)).block();
        this.store.recordDeviceLink(SCOPE, "sdk-d1", new DeviceLink("alice", 1_000)).block();

        LinkedIdentities linked = this.lookup.ofDevice(SCOPE, "sdk-d2").block();

        assertThat(linked.stableDeviceId()).isEqualTo("sdk-d1");
        assertThat(linked.userId()).isEqualTo("alice");
    }

    @Test
    void findsTheLastActivityOfAUser() {
        this.store.recordUserActivity(SCOPE, "alice", new UserActivity("browser-d1", 55, 2_000)).block();

        LinkedIdentities linked = this.lookup.ofUser(SCOPE, "alice").block();

        assertThat(linked.deviceId()).isEqualTo("browser-d1");
        assertThat(linked.lastActivity().sessionId()).isEqualTo(55);
    }

    @Test
    void returnsNothingForUnknownIds() {
        assertThat(this.lookup.ofDevice(SCOPE, "unknown").block().isEmpty()).isTrue();
        assertThat(this.lookup.ofUser(SCOPE, "unknown").block().isEmpty()).isTrue();
    }

}

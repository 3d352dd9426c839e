package io.eventrouter.core.identity;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityKeysTests {

    private static final IdentityScope SCOPE = IdentityScope.ofApiKey("project-one-api-key");

    /** The embedded store's log contains keys, so a key that changed would lose the links of an upgraded router. */
    @Test
    void keepsKeysOfEarlierReleases() {
        assertThat(IdentityKeys.of(SCOPE, LinkKind.DEVICE_USER, "device-a1")).isEqualTo(-1659779770364771825L);
        assertThat(IdentityKeys.of(SCOPE, LinkKind.USER_ACTIVITY, "zoë 😀")).isEqualTo(8807794317369212876L);
        assertThat(IdentityKeys.of(SCOPE, LinkKind.DEVICE_ALIAS, "device-a1")).isEqualTo(-2098156337241310173L);
    }

    @Test
    void keepsKeysAcrossScopeChanges() {
        long before = IdentityKeys.of(SCOPE, LinkKind.DEVICE_USER, "device-a1");

        IdentityKeys.of(IdentityScope.ofApiKey("project-two-api-key"), LinkKind.DEVICE_USER, "device-a1");

        assertThat(IdentityKeys.of(SCOPE, LinkKind.DEVICE_USER, "device-a1")).isEqualTo(before);
    }

}

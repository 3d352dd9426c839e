package io.eventrouter.sdk.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HttpSettingsTests {

    @Test
    void defaultsSuitAServerPublisher() {
        HttpSettings settings = HttpSettings.builder().build();

        assertThat(settings.maxBatchEvents()).isEqualTo(1000);
        assertThat(settings.maxRequestsInFlight()).isEqualTo(4);
        assertThat(settings.compression()).isTrue();
        assertThat(settings.maxAttempts()).isEqualTo(10);
    }

    @Test
    void bodyLimitFollowsTheApi() {
        assertThat(HttpSettings.builder().build().maxBodyBytes()).isEqualTo(1_000_000);
        assertThat(HttpSettings.builder().batchApi(true).build().maxBodyBytes()).isEqualTo(20_000_000);
    }

}

package io.eventrouter.core.amplitude;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AmplitudeOutcomesTests {

    private static final Duration PAUSE = Duration.ofSeconds(30);

    private final AmplitudeOutcomes outcomes = new AmplitudeOutcomes(PAUSE);

    private final List<Event> events = List.of(event("user-a", "device-a"), event("user-b", "device-b"),
            event("user-c", "device-c"));

    @Test
    void successDeliversEveryEvent() {
        DeliveryResult result = outcomes(200, "{\"code\":200,\"events_ingested\":3}");

        assertThat(result.outcomes()).containsOnly(EventOutcome.delivered());
    }

    @Test
    void bodyCodeWinsOverHttpStatus() {
        DeliveryResult result = outcomes(200, "{\"code\":400,\"error\":\"Invalid API key: x\"}");

        assertThat(result.outcomes()).allMatch(EventOutcome.Rejected.class::isInstance);
    }

    @Test
    void badRequestRejectsOnlyNamedEvents() {
        DeliveryResult result = outcomes(400, "{\"code\":400,\"events_with_invalid_fields\":{\"time\":[1]}}");

        assertThat(result.outcomes().get(0)).isInstanceOf(EventOutcome.RetryLater.class);
        assertThat(result.outcomes().get(1)).isInstanceOf(EventOutcome.Rejected.class);
        assertThat(result.outcomes().get(2)).isInstanceOf(EventOutcome.RetryLater.class);
    }

    @Test
    void throttlingPausesNamedEventsAndRejectsQuotaUsers() {
        DeliveryResult result = outcomes(429, "{\"code\":429,\"eps_threshold\":30,\"throttled_events\":[0],"
                + "\"exceeded_daily_quota_users\":{\"user-c\":500200},\"exceeded_daily_quota_devices\":{}}");

        assertThat(result.outcomes().get(0)).isEqualTo(EventOutcome.throttled(PAUSE));
        assertThat(result.outcomes().get(1)).isEqualTo(EventOutcome.retryLater(Duration.ZERO));
        assertThat(result.outcomes().get(2)).isEqualTo(EventOutcome.rejected("exceeded daily quota"));
    }

    @Test
    void serverErrorRetriesAfterRequestedDelay() {
        DeliveryResult result = this.outcomes.outcomes(AmplitudeResponse.parse(503, new byte[0]), this.events,
                Duration.ofSeconds(7));

        assertThat(result.outcomes()).containsOnly(EventOutcome.retryLater(Duration.ofSeconds(7)));
    }

    private DeliveryResult outcomes(int status, String body) {
        AmplitudeResponse response = AmplitudeResponse.parse(status, body.getBytes(StandardCharsets.UTF_8));
        return this.outcomes.outcomes(response, this.events, Duration.ZERO);
    }

    private static Event event(String userId, String deviceId) {
        return Event.builder("play").apiKey("key-12345").userId(userId).deviceId(deviceId).build();
    }

}

package io.eventrouter.core.amplitude;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.destination.RejectionReason;
import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AmplitudeOutcomesTests {

    private static final Duration PAUSE = Duration.ofSeconds(30);

    private final AmplitudeOutcomes outcomes = new AmplitudeOutcomes(PAUSE);

    private static Event event(String deviceId, String userId) {
        return Event.builder("click").apiKey("key-0123456789").deviceId(deviceId).userId(userId).build();
    }

    private List<EventOutcome> read(int status, String body, List<Event> events) {
        AmplitudeResponse response = AmplitudeResponse.parse(status, body.getBytes(StandardCharsets.UTF_8));
        return this.outcomes.outcomes(response, events, Duration.ZERO).outcomes();
    }

    @Test
    void asksToSplitABatchThatIsTooLarge() {
        List<EventOutcome> result = read(413, "{\"code\":413,\"error\":\"Payload too large\"}",
                List.of(event("device-1", "user-1"), event("device-2", "user-2")));

        assertThat(result).containsOnly(EventOutcome.tooLarge());
    }

    @Test
    void pausesOnlyTheDevicesAndUsersA429Names() {
        List<EventOutcome> result = read(429, "{\"code\":429,\"eps_threshold\":30,"
                + "\"throttled_devices\":{\"device-1\":31},\"throttled_users\":{\"user-3\":40},"
                + "\"throttled_events\":[]}",
                List.of(event("device-1", "user-1"), event("device-2", "user-2"), event("device-9", "user-3")));

        assertThat(result).containsExactly(EventOutcome.throttled(PAUSE), EventOutcome.resend(),
                EventOutcome.throttled(PAUSE));
    }

    @Test
    void resendsOthersAfterRetryAfterOf429() {
        AmplitudeResponse response = AmplitudeResponse.parse(429,
                "{\"code\":429,\"throttled_devices\":{\"device-1\":31}}".getBytes(StandardCharsets.UTF_8));

        List<EventOutcome> result = this.outcomes.outcomes(response,
                List.of(event("device-1", "user-1"), event("device-2", "user-2")), Duration.ofSeconds(60)).outcomes();

        assertThat(result).containsExactly(EventOutcome.throttled(Duration.ofSeconds(60)),
                EventOutcome.resend(Duration.ofSeconds(60)));
    }

    @Test
    void pausesBatchOn429NamingOthers() {
        List<Event> batch = List.of(event("device-1", "user-1"), event("device-2", "user-2"));

        List<EventOutcome> namingOthers = read(429, "{\"code\":429,\"throttled_devices\":{\"device-elsewhere\":31}}",
                batch);
        List<EventOutcome> namingNobody = read(429, "{\"code\":429}", batch);

        assertThat(namingOthers).containsOnly(EventOutcome.throttled(PAUSE));
        assertThat(namingNobody).containsOnly(EventOutcome.throttled(PAUSE));
    }

    @Test
    void rejectsEventsOverDailyQuota() {
        List<EventOutcome> result = read(429, "{\"code\":429,\"eps_threshold\":30,"
                + "\"exceeded_daily_quota_users\":{\"user-1\":500200},\"exceeded_daily_quota_devices\":{}}",
                List.of(event("device-1", "user-1"), event("device-2", "user-2")));

        assertThat(result.get(0)).isInstanceOfSatisfying(EventOutcome.Rejected.class,
                (rejected) -> assertThat(rejected.reason()).isEqualTo(RejectionReason.DAILY_QUOTA_EXCEEDED));
        assertThat(result.get(1)).isEqualTo(EventOutcome.resend());
    }

    @Test
    void namesTheProblemsOfEachInvalidEvent() {
        List<EventOutcome> result = read(400, "{\"code\":400,\"error\":\"Request missing required field\","
                + "\"events_with_invalid_fields\":{\"time\":[0,2],\"ip\":[2]},"
                + "\"events_with_missing_fields\":{\"event_type\":[2]},\"silenced_events\":[3]}",
                List.of(event("device-1", "user-1"), event("device-2", "user-2"), event("device-3", "user-3"),
                        event("device-4", "user-4")));

        assertThat(result.get(0)).isEqualTo(EventOutcome.rejected(RejectionReason.INVALID_EVENT,
                "HTTP 400: Request missing required field (invalid time)"));
        assertThat(result.get(1)).isEqualTo(EventOutcome.resend());
        assertThat(result.get(2)).isEqualTo(EventOutcome.rejected(RejectionReason.INVALID_EVENT,
                "HTTP 400: Request missing required field (invalid time, invalid ip, missing event_type)"));
        assertThat(result.get(3)).isEqualTo(EventOutcome.rejected(RejectionReason.INVALID_EVENT,
                "HTTP 400: Request missing required field (silenced)"));
    }

    @Test
    void rejectsBatchOn400NamingOutsideIndexes() {
        List<EventOutcome> result = read(400, "{\"code\":400,\"error\":\"Invalid field values on some events\","
                + "\"events_with_invalid_fields\":{\"time\":[2,-1]}}",
                List.of(event("device-1", "user-1"), event("device-2", "user-2")));

        assertThat(result).containsOnly(EventOutcome.rejected(RejectionReason.INVALID_EVENT,
                "HTTP 400: Invalid field values on some events"));
    }

    @Test
    void namesTheStatusOfAFailureToRetry() {
        List<Event> events = List.of(event("device-1", "user-1"));
        String longMessage = "x".repeat(5000);

        DeliveryResult unavailable = this.outcomes.outcomes(AmplitudeResponse.parse(503,
                "{\"code\":503,\"error\":\"Service unavailable\"}".getBytes(StandardCharsets.UTF_8)), events,
                Duration.ZERO);
        DeliveryResult plain = this.outcomes.outcomes(AmplitudeResponse.parse(502,
                "<html>\n  <h1>Bad gateway</h1>\n</html>\n".getBytes(StandardCharsets.UTF_8)), events, Duration.ZERO);
        DeliveryResult page = this.outcomes.outcomes(AmplitudeResponse.parse(500,
                ("<html>" + longMessage + "</html>").getBytes(StandardCharsets.UTF_8)), events, Duration.ZERO);
        DeliveryResult empty = this.outcomes.outcomes(AmplitudeResponse.parse(503, new byte[0]), events,
                Duration.ZERO);
        DeliveryResult wordy = this.outcomes.outcomes(AmplitudeResponse.parse(500,
                ("{\"error\":\"" + longMessage + "\"}").getBytes(StandardCharsets.UTF_8)), events, Duration.ZERO);

        assertThat(unavailable.failure()).isEqualTo("HTTP 503: Service unavailable");
        assertThat(plain.failure()).isEqualTo("HTTP 502: <html> <h1>Bad gateway</h1> </html>");
        assertThat(empty.failure()).isEqualTo("HTTP 503: no error message");
        assertThat(page.failure()).hasSize("HTTP 500: ".length() + 200 + "...".length());
        assertThat(wordy.failure()).hasSize("HTTP 500: ".length() + 200 + "...".length());
        assertThat(this.outcomes.outcomes(AmplitudeResponse.parse(200, "{\"code\":200}".getBytes(
                StandardCharsets.UTF_8)), events, Duration.ZERO).failure()).isNull();
    }

    @Test
    void readsRetryAfterSecondsAndDates() {
        String inTwoMinutes = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusMinutes(2));

        assertThat(RetryAfter.parse("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(RetryAfter.parse(inTwoMinutes)).isBetween(Duration.ofSeconds(100),
                Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("soon")).isZero();
        assertThat(RetryAfter.parse("86400")).isEqualTo(Duration.ofHours(1));
    }

}

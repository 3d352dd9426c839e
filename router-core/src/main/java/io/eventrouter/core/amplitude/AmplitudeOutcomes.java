package io.eventrouter.core.amplitude;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;

/**
 * Reads Amplitude's response to a batch as one outcome per event, the way Amplitude documents it:
 * a 400 that names events rejects only those, a 429 pauses only the throttled events and rejects
 * those over a daily quota, and server errors are retried.
 */
public final class AmplitudeOutcomes {

    private final Duration throttlePause;

    /**
     * @param throttlePause how long a throttled device or user pauses; Amplitude requests about 30 s
     */
    public AmplitudeOutcomes(Duration throttlePause) {
        this.throttlePause = throttlePause;
    }

    /**
     * Maps a response to outcomes for {@code events}, the batch as it was sent.
     *
     * @param retryAfter the response's {@code Retry-After}, or zero when it had none
     */
    public DeliveryResult outcomes(AmplitudeResponse response, List<Event> events, Duration retryAfter) {
        int size = events.size();
        if (response.isSuccess()) {
            return DeliveryResult.delivered(size);
        }
        return switch (response.code()) {
            case 400 -> badRequest(response, size);
            case 413 -> payloadTooLarge(size);
            case 429 -> throttled(response, events, retryAfter);
            case 408 -> DeliveryResult.uniform(EventOutcome.retryLater(retryAfter), size);
            default -> (response.code() >= 500 || response.code() < 200)
                    ? DeliveryResult.uniform(EventOutcome.retryLater(retryAfter), size)
                    : DeliveryResult.uniform(EventOutcome.rejected("HTTP " + response.code()), size);
        };
    }

    private static DeliveryResult badRequest(AmplitudeResponse response, int size) {
        if (response.isInvalidApiKey()) {
            return DeliveryResult.uniform(EventOutcome.rejected("invalid API key"), size);
        }
        if (response.missingField().isPresent()) {
            return DeliveryResult.uniform(
                    EventOutcome.rejected("missing field " + response.missingField().get()), size);
        }
        Set<Integer> invalid = response.invalidEventIndexes();
        if (invalid.isEmpty()) {
            return DeliveryResult.uniform(EventOutcome.rejected(describe(response)), size);
        }
        List<EventOutcome> outcomes = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            outcomes.add(invalid.contains(i)
                    ? EventOutcome.rejected(describe(response))
                    : EventOutcome.retryLater(Duration.ZERO));
        }
        return new DeliveryResult(outcomes);
    }

    private static DeliveryResult payloadTooLarge(int size) {
        // TODO: split the batch in halves instead of retrying it whole; a single event is rejected.
        return (size == 1)
                ? DeliveryResult.uniform(EventOutcome.rejected("payload too large"), size)
                : DeliveryResult.uniform(EventOutcome.retryLater(Duration.ZERO), size);
    }

    private DeliveryResult throttled(AmplitudeResponse response, List<Event> events, Duration retryAfter) {
        Set<Integer> throttledIndexes = response.throttledEventIndexes();
        Set<String> quotaUsers = response.exceededDailyQuotaUsers();
        Set<String> quotaDevices = response.exceededDailyQuotaDevices();
        Duration pause = (retryAfter.compareTo(this.throttlePause) > 0) ? retryAfter : this.throttlePause;
        List<EventOutcome> outcomes = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event event = events.get(i);
            if (event.userId().filter(quotaUsers::contains).isPresent()
                    || event.deviceId().filter(quotaDevices::contains).isPresent()) {
                outcomes.add(EventOutcome.rejected("exceeded daily quota"));
            }
            else if (throttledIndexes.isEmpty() || throttledIndexes.contains(i)) {
                outcomes.add(EventOutcome.throttled(pause));
            }
            else {
                outcomes.add(EventOutcome.retryLater(Duration.ZERO));
            }
        }
        return new DeliveryResult(outcomes);
    }

    private static String describe(AmplitudeResponse response) {
        return "HTTP " + response.code() + ": " + response.error().orElse("no error message");
    }

}

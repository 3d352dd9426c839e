package io.eventrouter.core.amplitude;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.destination.RejectionReason;
import io.eventrouter.core.event.Event;

/**
 * Reads Amplitude's response to a batch as one outcome per event, the way Amplitude documents it:
 * a 400 that names events rejects only those and resends the rest, an invalid API key rejects the
 * batch, a 413 asks the pipeline to split the batch, a 429 pauses only the throttled devices and
 * users and rejects those over a daily quota, and server errors are retried.
 */
public final class AmplitudeOutcomes {

    /** The maximum length, in characters, of an error message from Amplitude that a rejection or failure repeats. */
    private static final int MAX_ERROR_LENGTH = 200;

    private final Duration throttlePause;

    /**
     * @param throttlePause how long a throttled device or user pauses; Amplitude's documentation suggests about 30 s
     */
    public AmplitudeOutcomes(Duration throttlePause) {
        this.throttlePause = throttlePause;
    }

    /**
     * Maps an answer to outcomes for {@code events}, the batch as it was sent.
     *
     * @param retryAfter the answer's {@code Retry-After}, or zero when it had none
     */
    public DeliveryResult outcomes(AmplitudeResponse response, List<Event> events, Duration retryAfter) {
        int size = events.size();
        if (response.isSuccess()) {
            return DeliveryResult.delivered(size);
        }
        return switch (response.code()) {
            case 400 -> badRequest(response, size);
            case 413 -> DeliveryResult.uniform(EventOutcome.tooLarge(), size);
            case 429 -> throttled(response, events, retryAfter).withFailure(describe(response));
            case 408 -> DeliveryResult.uniform(EventOutcome.retryLater(retryAfter), size).withFailure(describe(response));
            default -> (response.code() >= 500 || response.code() < 200)
                    ? DeliveryResult.uniform(EventOutcome.retryLater(retryAfter), size).withFailure(describe(response))
                    : DeliveryResult.uniform(EventOutcome.rejected(RejectionReason.REFUSED, describe(response)), size);
        };
    }

    private static DeliveryResult badRequest(AmplitudeResponse response, int size) {
        if (response.isInvalidApiKey()) {
            // Amplitude's message repeats the key, a credential, so the detail leaves it out.
            return DeliveryResult.uniform(EventOutcome.rejected(RejectionReason.INVALID_API_KEY,
                    "HTTP 400: Invalid API key"), size);
        }
        if (response.missingField().isPresent()) {
            return DeliveryResult.uniform(EventOutcome.rejected(RejectionReason.INVALID_EVENT,
                    "HTTP 400: missing field " + response.missingField().get()), size);
        }
        // Indexes outside the batch name none of its events, and resending all of them would
        // never end, so a 400 that names only such indexes rejects the batch.
        Set<Integer> invalid = new TreeSet<>(response.invalidEventIndexes());
        invalid.removeIf((index) -> index < 0 || index >= size);
        if (invalid.isEmpty()) {
            return DeliveryResult.uniform(EventOutcome.rejected(RejectionReason.INVALID_EVENT, describe(response)),
                    size);
        }
        List<EventOutcome> outcomes = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            outcomes.add(invalid.contains(i)
                    ? EventOutcome.rejected(RejectionReason.INVALID_EVENT, describe(response, response.problemsOf(i)))
                    : EventOutcome.resend());
        }
        return new DeliveryResult(outcomes);
    }

    private DeliveryResult throttled(AmplitudeResponse response, List<Event> events, Duration retryAfter) {
        Set<Integer> throttledIndexes = response.throttledEventIndexes();
        Set<String> throttledDevices = response.throttledDevices();
        Set<String> throttledUsers = response.throttledUsers();
        Set<String> quotaUsers = response.exceededDailyQuotaUsers();
        Set<String> quotaDevices = response.exceededDailyQuotaDevices();
        Duration pause = (retryAfter.compareTo(this.throttlePause) > 0) ? retryAfter : this.throttlePause;
        List<EventOutcome> outcomes = new ArrayList<>(events.size());
        boolean namesAnEvent = false;
        for (int i = 0; i < events.size(); i++) {
            Event event = events.get(i);
            if (event.userId().filter(quotaUsers::contains).isPresent()
                    || event.deviceId().filter(quotaDevices::contains).isPresent()) {
                outcomes.add(EventOutcome.rejected(RejectionReason.DAILY_QUOTA_EXCEEDED,
                        "HTTP 429: the device or user exceeded its daily quota"));
                namesAnEvent = true;
            }
            else if (throttledIndexes.contains(i)
                    || event.deviceId().filter(throttledDevices::contains).isPresent()
                    || event.userId().filter(throttledUsers::contains).isPresent()) {
                outcomes.add(EventOutcome.throttled(pause));
                namesAnEvent = true;
            }
            else {
                outcomes.add(EventOutcome.resend(retryAfter));
            }
        }
        // A 429 that names no device, user or event of this batch, whether it names others or
        // none at all, gives no event to hold apart, so the whole batch pauses.
        if (!namesAnEvent) {
            return DeliveryResult.uniform(EventOutcome.throttled(pause), events.size());
        }
        return new DeliveryResult(outcomes);
    }

    /** Describes the response, followed by what it found wrong with one event, such as {@code (invalid time)}. */
    private static String describe(AmplitudeResponse response, List<String> problems) {
        return problems.isEmpty() ? describe(response) : describe(response) + " (" + String.join(", ", problems) + ")";
    }

    private static String describe(AmplitudeResponse response) {
        String error = response.error().orElse("no error message");
        if (error.length() > MAX_ERROR_LENGTH) {
            error = error.substring(0, MAX_ERROR_LENGTH) + "...";
        }
        return "HTTP " + response.code() + ": " + error;
    }

}

package io.eventrouter.bridge.throttle;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.event.Event;

/**
 * The router's own limit on events per second for each device and each user of an API key,
 * enforced with Amplitude's 429 so that SDKs pause only the devices and users named in it.
 *
 * <p>Like Amplitude, it averages over a window: a device may send {@code epsThreshold} events
 * per second on average and up to {@code epsThreshold × window} at once. A request is accepted
 * or throttled as a whole, and only accepted events use up the allowance, so a client that waits
 * as the response requests gets through.
 */
public final class EventRateLimiter {

    private final int epsThreshold;

    private final double windowSeconds;

    private final TokenBuckets devices;

    private final TokenBuckets users;

    /**
     * @param epsThreshold events per second each device and each user may send on average
     * @param window the period the average runs over; Amplitude uses 30 s
     * @param maxKeys the most devices and users tracked at once, each
     */
    public EventRateLimiter(int epsThreshold, Duration window, int maxKeys, LongSupplier nanoTime) {
        if (epsThreshold < 1) {
            throw new IllegalArgumentException("epsThreshold must be at least 1, but was " + epsThreshold);
        }
        this.epsThreshold = epsThreshold;
        this.windowSeconds = Math.max(1.0, window.toMillis() / 1000.0);
        double burst = epsThreshold * this.windowSeconds;
        this.devices = new TokenBuckets(epsThreshold, burst, maxKeys, nanoTime);
        this.users = new TokenBuckets(epsThreshold, burst, maxKeys, nanoTime);
    }

    /**
     * Admits the events of one request, or returns the 429 to send when any device or user
     * would exceed its allowance. Positions in the response refer to {@code events}.
     *
     * @param apiKey the key the client sent, so that projects never share an allowance
     */
    public Optional<AmplitudeResponse> admit(String apiKey, List<Event> events) {
        Map<String, Integer> deviceCounts = new HashMap<>();
        Map<String, Integer> userCounts = new HashMap<>();
        for (Event event : events) {
            event.deviceId().ifPresent((id) -> deviceCounts.merge(key(apiKey, id), 1, Integer::sum));
            event.userId().ifPresent((id) -> userCounts.merge(key(apiKey, id), 1, Integer::sum));
        }
        Map<String, Long> throttledDevices = overLimit(this.devices, deviceCounts);
        Map<String, Long> throttledUsers = overLimit(this.users, userCounts);
        if (throttledDevices.isEmpty() && throttledUsers.isEmpty()) {
            deviceCounts.forEach((key, count) -> this.devices.tryTake(key, count));
            userCounts.forEach((key, count) -> this.users.tryTake(key, count));
            return Optional.empty();
        }
        Set<Integer> throttledEvents = new TreeSet<>();
        for (int i = 0; i < events.size(); i++) {
            Event event = events.get(i);
            if (event.deviceId().map((id) -> throttledDevices.containsKey(key(apiKey, id))).orElse(false)
                    || event.userId().map((id) -> throttledUsers.containsKey(key(apiKey, id))).orElse(false)) {
                throttledEvents.add(i);
            }
        }
        return Optional.of(AmplitudeResponse.throttled(this.epsThreshold, withoutApiKey(throttledDevices),
                withoutApiKey(throttledUsers), throttledEvents));
    }

    /** Returns the time after which a throttled device or user may send one more event. */
    public Duration retryAfter() {
        return this.devices.refillTime();
    }

    /** Returns each key over its allowance with its rate as Amplitude reports it: events per second over the window. */
    private Map<String, Long> overLimit(TokenBuckets buckets, Map<String, Integer> counts) {
        Map<String, Long> over = new LinkedHashMap<>();
        double burst = this.epsThreshold * this.windowSeconds;
        counts.forEach((key, count) -> {
            double available = buckets.available(key);
            if (available < count) {
                long rate = (long) Math.ceil((burst - available + count) / this.windowSeconds);
                over.put(key, rate);
            }
        });
        return over;
    }

    private static String key(String apiKey, String id) {
        return apiKey + '\u0000' + id;
    }

    private static Map<String, Long> withoutApiKey(Map<String, Long> throttled) {
        Map<String, Long> byId = new LinkedHashMap<>();
        throttled.forEach((key, rate) -> byId.put(key.substring(key.indexOf('\u0000') + 1), rate));
        return byId;
    }

}

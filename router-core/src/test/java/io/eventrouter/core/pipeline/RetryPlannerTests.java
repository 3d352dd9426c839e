package io.eventrouter.core.pipeline;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.eventrouter.core.destination.DeliveryResult;
import io.eventrouter.core.destination.EventOutcome;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.SpooledEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPlannerTests {

    private final AtomicLong offsets = new AtomicLong();

    @Test
    void probePrefersGroupThatCanSplit() {
        RetryGroup single = group(100, "device-bad");
        RetryGroup mixed = group(300, "device-bad-2", "device-ok-1", "device-ok-2");
        RetryGroup earlierSingle = group(50, "device-bad-3");

        assertThat(RetryPlanner.pickProbe(List.of(single, mixed, earlierSingle), 1000, (group) -> false))
                .isSameAs(mixed);
    }

    @Test
    void probeFallsBackToDueLongest() {
        RetryGroup single = group(100, "device-bad");
        RetryGroup earlierSingle = group(50, "device-bad-2", "device-bad-2");

        assertThat(RetryPlanner.pickProbe(List.of(single, earlierSingle), 1000, (group) -> false))
                .isSameAs(earlierSingle);
    }

    @Test
    void probeSkipsGroupsNotDueOrInFlight() {
        RetryGroup notDue = group(2000, "device-1", "device-2");
        RetryGroup inFlight = group(100, "device-3", "device-4");
        RetryGroup single = group(500, "device-5");

        assertThat(RetryPlanner.pickProbe(List.of(notDue, inFlight, single), 1000, Set.of(inFlight)::contains))
                .isSameAs(single);
        assertThat(RetryPlanner.pickProbe(List.of(notDue, inFlight), 1000, Set.of(inFlight)::contains)).isNull();
    }

    @Test
    void countsKeylessEventsAsDevicesOfTheirOwn() {
        assertThat(RetryPlanner.hasSeveralKeys(group(0, "device-1", "device-1"))).isFalse();
        assertThat(RetryPlanner.hasSeveralKeys(group(0, "device-1", null))).isTrue();
        assertThat(RetryPlanner.hasSeveralKeys(group(0, (String) null))).isFalse();
    }

    @Test
    void namesTheLimitThatSpentTheBudget() {
        RetryPlanner planner = new RetryPlanner(new RetryPolicy(3, Duration.ofSeconds(60), Duration.ofSeconds(1),
                Duration.ofSeconds(10)));
        RetryGroup throttledAtAge = group(0, "device-1");
        throttledAtAge.attempts = 0;
        RetryGroup failedOften = group(0, "device-2");
        failedOften.attempts = 2;

        RetryPlanner.Plan aged = planner.plan(throttledAtAge, List.copyOf(throttledAtAge.events),
                ChunkOutcomes.sort(List.copyOf(throttledAtAge.events), new DestinationDispatcher.Answer(
                        DeliveryResult.uniform(EventOutcome.throttled(Duration.ofSeconds(5)), 1), null)),
                61_000, 0, 0, false);
        RetryPlanner.Plan failed = planner.plan(failedOften, List.copyOf(failedOften.events),
                ChunkOutcomes.sort(List.copyOf(failedOften.events), new DestinationDispatcher.Answer(null, "HTTP 503")),
                1_000, 0, 0, false);

        assertThat(aged.exhausted.values()).singleElement().satisfies((events) -> assertThat(events.values())
                .extracting(Rejection::detail).containsExactly("Retry budget exhausted (max-age of 60 s reached; failed "
                        + "deliveries: 0); last failure: the destination throttled the device or user"));
        assertThat(failed.exhausted.values()).singleElement().satisfies((events) -> assertThat(events.values())
                .extracting(Rejection::detail).containsExactly("Retry budget exhausted (max-attempts of 3 reached); "
                        + "last failure: HTTP 503"));
    }

    /** Returns a failed group due at {@code dueAt} with one event per entry of {@code devices}, {@code null} for none. */
    private RetryGroup group(long dueAt, String... devices) {
        List<PendingEvent> events = Arrays.stream(devices)
                .map((device) -> {
                    Event.Builder event = Event.builder("played").apiKey("key-1234567890");
                    if (device != null) {
                        event.deviceId(device);
                    }
                    return PendingEvent.spooled(new SpooledEvent(this.offsets.getAndIncrement(), SourceId.of("bridge"),
                            event.build()));
                })
                .toList();
        RetryGroup group = new RetryGroup(events, 1, 0, 500);
        group.dueAt = dueAt;
        return group;
    }

}

package io.eventrouter.web.metrics;

import java.util.Objects;

import io.eventrouter.bridge.ClientBridge;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Registers the meters of the client bridge's bound on request bodies:
 * {@code router.bridge.body.bytes.held} and {@code router.bridge.bodies.refused}. Refused bodies
 * get a 503 before their events are read, so {@code router.events.rejected} does not count them.
 */
public class BridgeMeterBinder implements MeterBinder {

    private final ClientBridge bridge;

    public BridgeMeterBinder(ClientBridge bridge) {
        this.bridge = Objects.requireNonNull(bridge, "bridge");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("router.bridge.body.bytes.held", this.bridge, ClientBridge::heldBodyBytes)
                .description("Bytes of request bodies the bridge holds, as read and inflated")
                .baseUnit("bytes")
                .register(registry);
        FunctionCounter.builder("router.bridge.bodies.refused", this.bridge, ClientBridge::refusedBodies)
                .description("Request bodies answered with a 503 because they did not fit the bound on held bodies")
                .register(registry);
    }

}

package io.eventrouter.web.admin;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.pipeline.DestinationStatus;
import io.eventrouter.core.pipeline.DispatchPipeline;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Handler of {@code GET /destinations}, which returns each destination's id, its
 * {@code backlog} in the spool, whether its deliveries are {@code failing}, and while they are,
 * {@code failing_since}, {@code failed_deliveries} and {@code last_failure}. It adds the
 * {@code retrying_events} waiting for another delivery with {@code retrying_since}, and the
 * {@code paused_devices} whose waiting events are parked in the spool.
 */
final class DestinationAdminHandler {

    private final DispatchPipeline pipeline;

    DestinationAdminHandler(DispatchPipeline pipeline) {
        this.pipeline = pipeline;
    }

    Mono<ServerResponse> list(ServerRequest request) {
        ObjectNode body = DeadLetterAdminHandler.MAPPER.createObjectNode();
        ArrayNode destinations = body.putArray("destinations");
        for (DestinationId id : this.pipeline.destinations()) {
            DestinationStatus status = this.pipeline.status(id);
            ObjectNode destination = destinations.addObject()
                    .put("id", id.value())
                    .put("backlog", this.pipeline.backlog(id))
                    .put("failing", status.failing());
            if (status.failingSince() != null) {
                destination.put("failing_since", status.failingSince().toString())
                        .put("failed_deliveries", status.failedDeliveries())
                        .put("last_failure", status.lastFailure());
            }
            destination.put("retrying_events", status.retryingEvents());
            if (status.retryingSince() != null) {
                destination.put("retrying_since", status.retryingSince().toString());
            }
            destination.put("paused_devices", status.pausedDevices());
        }
        return DeadLetterAdminHandler.json(HttpStatus.OK, body);
    }

}

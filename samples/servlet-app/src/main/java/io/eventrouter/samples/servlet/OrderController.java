package io.eventrouter.samples.servlet;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.PublishException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Records an order as a server event. Returning the publisher's future lets Spring MVC release
 * the request thread while the router accepts the event.
 */
@RestController
class OrderController {

    private final EventPublisher publisher;

    OrderController(EventPublisher publisher) {
        this.publisher = publisher;
    }

    @PostMapping("/users/{userId}/orders")
    CompletableFuture<Map<String, String>> placeOrder(@PathVariable String userId) {
        return this.publisher.publishAsync(this.publisher.track("Order Placed")
                        .userId(userId)
                        .eventProperty("source", "servlet-sample")
                        .build())
                .thenApply((accepted) -> Map.of("status", "accepted"));
    }

    /**
     * Responds with a 400 and the reason when the router rejected the event, such as one with a
     * user id under 5 characters, and with a 503 when the router cannot take events now.
     */
    @ExceptionHandler
    ResponseEntity<Map<String, String>> publishFailed(PublishException ex) {
        HttpStatus status = (ex.reason() == PublishException.Reason.REJECTED) ? HttpStatus.BAD_REQUEST
                : HttpStatus.SERVICE_UNAVAILABLE;
        return ResponseEntity.status(status).body(Map.of("error", String.valueOf(ex.getMessage())));
    }

}

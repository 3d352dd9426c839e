package io.eventrouter.samples.servlet;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.eventrouter.sdk.EventPublisher;
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

}

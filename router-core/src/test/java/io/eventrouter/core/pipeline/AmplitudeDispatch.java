package io.eventrouter.core.pipeline;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.eventrouter.core.amplitude.AmplitudeDestination;
import io.eventrouter.core.deadletter.DeadLetter;
import io.eventrouter.core.deadletter.DeadLetterStore;
import io.eventrouter.core.deadletter.MVStoreDeadLetterStore;
import io.eventrouter.core.deadletter.StoredDeadLetter;
import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.MemorySpool;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

/**
 * A pipeline whose destinations are Amplitude destinations pointed at WireMock, with retry and
 * batch timings short enough for tests. Each destination posts to {@code /<id>/2/httpapi}.
 */
final class AmplitudeDispatch implements AutoCloseable {

    static final SourceId SOURCE = SourceId.of("test");

    static final String API_KEY = "test-api-key-0123456789";

    /** Amplitude's success response. */
    static final String OK = "{\"code\":200,\"events_ingested\":1,\"payload_size_bytes\":1,\"server_upload_time\":1}";

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    final DispatchPipeline pipeline;

    final MemorySpool spool;

    final MVStoreDeadLetterStore deadLetters = MVStoreDeadLetterStore.inMemory();

    /** Completes to let the pipeline's removals of dead letters through, when the builder held them back. */
    final CompletableFuture<Void> removals = new CompletableFuture<>();

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private final List<AmplitudeDestination> destinations = new ArrayList<>();

    private final WireMockExtension wireMock;

    private AmplitudeDispatch(Builder builder) {
        this.wireMock = builder.wireMock;
        this.spool = new MemorySpool(10_000, builder.destinations.stream().map(DestinationId::of).toList());
        DispatchPipeline.Builder pipeline = DispatchPipeline.builder()
                .spool(this.spool)
                .source(SOURCE)
                .retryPolicy(builder.retryPolicy)
                .deliveryTimeout(Duration.ofSeconds(15))
                .deadLetterStore(builder.holdRemovals ? new HeldRemovals(this.deadLetters, this.removals)
                        : this.deadLetters)
                .maxHeldEvents(builder.maxHeldEvents)
                .meterRegistry(this.meters)
                .deadLetterCountInterval(Duration.ofMillis(50));
        for (String id : builder.destinations) {
            AmplitudeDestination destination = AmplitudeDestination.builder()
                    .id(DestinationId.of(id))
                    .url(URI.create(this.wireMock.baseUrl() + "/" + id))
                    .timeout(builder.timeout)
                    .throttlePause(builder.throttlePause)
                    .build();
            this.destinations.add(destination);
            pipeline.destination(destination, builder.batchPolicy);
        }
        this.pipeline = pipeline.build();
        this.pipeline.start();
    }

    static Builder builder(WireMockExtension wireMock) {
        return new Builder(wireMock);
    }

    static Event event(String deviceId, String insertId) {
        return Event.builder("click").apiKey(API_KEY).deviceId(deviceId).insertId(insertId).build();
    }

    void submit(Event... events) {
        this.pipeline.source(SOURCE).submit(List.of(events)).block(Duration.ofSeconds(5));
    }

    /** Returns the requests a destination received, oldest first. */
    List<LoggedRequest> requests(String destination) {
        return this.wireMock.findAll(postRequestedFor(urlEqualTo(path(destination))));
    }

    /** Returns the insert ids of every request a destination received, one list per request, oldest first. */
    List<List<String>> insertIdsPerRequest(String destination) {
        return requests(destination).stream().map(AmplitudeDispatch::insertIds).toList();
    }

    /** Returns the insert ids of the requests a destination answered with 200, oldest first. */
    List<String> insertIdsDelivered(String destination) {
        List<String> ids = new ArrayList<>();
        List<ServeEvent> served = new ArrayList<>(this.wireMock.getAllServeEvents());
        Collections.reverse(served);
        for (ServeEvent event : served) {
            if (event.getRequest().getUrl().equals(path(destination)) && event.getResponse().getStatus() == 200) {
                ids.addAll(insertIds(event.getRequest()));
            }
        }
        return ids;
    }

    static List<String> insertIds(LoggedRequest request) {
        JsonNode body = MAPPER.readTree(request.getBodyAsString());
        List<String> ids = new ArrayList<>();
        body.get("events").forEach((event) -> ids.add(event.get("insert_id").stringValue()));
        return ids;
    }

    List<StoredDeadLetter> deadLetters() {
        return this.deadLetters.list(null, 0, 1000).block(Duration.ofSeconds(5));
    }

    static String path(String destination) {
        return "/" + destination + "/2/httpapi";
    }

    @Override
    public void close() {
        this.pipeline.close();
        this.destinations.forEach(AmplitudeDestination::close);
        this.deadLetters.close();
    }

    static final class Builder {

        private final WireMockExtension wireMock;

        private List<String> destinations = List.of("amplitude");

        private RetryPolicy retryPolicy = new RetryPolicy(50, Duration.ofMinutes(5), Duration.ofMillis(5),
                Duration.ofMillis(20));

        private BatchPolicy batchPolicy = new BatchPolicy(100, Duration.ofMillis(20));

        private Duration throttlePause = Duration.ofMillis(100);

        private Duration timeout = Duration.ofSeconds(10);

        private int maxHeldEvents = 5_000;

        private boolean holdRemovals;

        private Builder(WireMockExtension wireMock) {
            this.wireMock = wireMock;
        }

        Builder destinations(String... ids) {
            this.destinations = List.of(ids);
            return this;
        }

        Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = retryPolicy;
            return this;
        }

        Builder batchPolicy(BatchPolicy batchPolicy) {
            this.batchPolicy = batchPolicy;
            return this;
        }

        Builder throttlePause(Duration throttlePause) {
            this.throttlePause = throttlePause;
            return this;
        }

        Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        Builder maxHeldEvents(int maxHeldEvents) {
            this.maxHeldEvents = maxHeldEvents;
            return this;
        }

        /** Holds the pipeline's removals of dead letters back until {@link #removals} completes. */
        Builder holdDeadLetterRemovals() {
            this.holdRemovals = true;
            return this;
        }

        AmplitudeDispatch start() {
            return new AmplitudeDispatch(this);
        }

    }

    /** A dead-letter store whose removals wait for a gate, so that a test can act between delivery and removal. */
    private record HeldRemovals(DeadLetterStore delegate, CompletableFuture<Void> gate) implements DeadLetterStore {

        @Override
        public Mono<Void> add(List<DeadLetter> deadLetters) {
            return this.delegate.add(deadLetters);
        }

        @Override
        public Mono<List<StoredDeadLetter>> list(@Nullable DestinationId destination, long afterId, int limit) {
            return this.delegate.list(destination, afterId, limit);
        }

        @Override
        public Mono<List<StoredDeadLetter>> get(Collection<Long> ids) {
            return this.delegate.get(ids);
        }

        @Override
        public Mono<Void> remove(Collection<Long> ids) {
            return Mono.fromFuture(this.gate).then(this.delegate.remove(ids));
        }

        @Override
        public Mono<Long> count(@Nullable DestinationId destination) {
            return this.delegate.count(destination);
        }

        @Override
        public void close() {
            this.delegate.close();
        }

    }

}

package io.eventrouter.bridge;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.eventrouter.bridge.ingest.HttpApiHandler;
import io.eventrouter.bridge.privacy.ClientAddressResolver;
import io.eventrouter.bridge.proxy.CorsPolicy;
import io.eventrouter.core.source.Source;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The bridge's routes: Amplitude's ingestion endpoints, handled as Amplitude handles them, under
 * an optional path prefix. Mount {@link #routes()} and {@link #corsPolicy()} in any WebFlux
 * application.
 */
public final class ClientBridge {

    /** Amplitude's limit for {@code /2/httpapi}: 1 MB. */
    public static final int HTTP_API_MAX_BODY_BYTES = 1024 * 1024;

    /** Amplitude's limit for {@code /batch}: 20 MB. */
    public static final int BATCH_API_MAX_BODY_BYTES = 20 * 1024 * 1024;

    private final String pathPrefix;

    private final HttpApiHandler httpApi;

    private final HttpApiHandler batchApi;

    private final CorsPolicy cors;

    private ClientBridge(Builder builder) {
        this.pathPrefix = builder.pathPrefix;
        ClientAddressResolver addresses = new ClientAddressResolver();
        this.httpApi = new HttpApiHandler(builder.source, HTTP_API_MAX_BODY_BYTES, addresses, builder.clock);
        this.batchApi = new HttpApiHandler(builder.source, BATCH_API_MAX_BODY_BYTES, addresses, builder.clock);
        this.cors = new CorsPolicy(builder.pathPrefix, builder.allowedOrigins, builder.corsMaxAge);
    }

    public static Builder builder(Source source) {
        return new Builder(source);
    }

    public RouterFunction<ServerResponse> routes() {
        RouterFunction<ServerResponse> routes = RouterFunctions.route()
                .route(upload("/2/httpapi"), this.httpApi::upload)
                .route(upload("/batch"), this.batchApi::upload)
                .build();
        return this.pathPrefix.isEmpty() ? routes : RouterFunctions.nest(RequestPredicates.path(this.pathPrefix), routes);
    }

    /**
     * Returns the filter that applies CORS under the bridge's paths and handles preflights. Register
     * it with the application's WebFlux configuration; without it, browsers on other origins
     * cannot upload.
     */
    public CorsPolicy corsPolicy() {
        return this.cors;
    }

    /** Matches POST on the path and on its trailing-slash variant, which some SDK settings produce. */
    private static RequestPredicate upload(String path) {
        return RequestPredicates.POST(path).or(RequestPredicates.POST(path + "/"));
    }

    /** Settings of a bridge. */
    public static final class Builder {

        private final Source source;

        private String pathPrefix = "";

        private List<String> allowedOrigins = List.of("*");

        private Duration corsMaxAge = Duration.ofHours(1);

        private Clock clock = Clock.systemUTC();

        private Builder(Source source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /** Serves every route under {@code prefix}, such as {@code /amplitude}; empty for the root. */
        public Builder pathPrefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
            if (!trimmed.isEmpty() && !trimmed.startsWith("/")) {
                throw new IllegalArgumentException("The path prefix must start with '/', but was '" + prefix + "'");
            }
            this.pathPrefix = trimmed;
            return this;
        }

        /** Sets the origin patterns browsers may upload from; {@code *} allows any origin. */
        public Builder allowedOrigins(List<String> allowedOrigins) {
            if (allowedOrigins.isEmpty()) {
                throw new IllegalArgumentException("allowedOrigins must name at least one origin pattern");
            }
            this.allowedOrigins = List.copyOf(allowedOrigins);
            return this;
        }

        public Builder corsMaxAge(Duration corsMaxAge) {
            this.corsMaxAge = Objects.requireNonNull(corsMaxAge, "corsMaxAge");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public ClientBridge build() {
            return new ClientBridge(this);
        }

    }

}

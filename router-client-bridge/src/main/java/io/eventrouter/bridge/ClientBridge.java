package io.eventrouter.bridge;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.eventrouter.bridge.ingest.ApiKeyPolicy;
import io.eventrouter.bridge.ingest.BodyBudget;
import io.eventrouter.bridge.ingest.HttpApiHandler;
import io.eventrouter.bridge.ingest.IdentifyHandler;
import io.eventrouter.bridge.ingest.Intake;
import io.eventrouter.bridge.ingest.LegacyUploadHandler;
import io.eventrouter.bridge.ingest.ResponseGuard;
import io.eventrouter.bridge.ingest.Responses;
import io.eventrouter.bridge.privacy.ClientAddressResolver;
import io.eventrouter.bridge.privacy.TrustedProxies;
import io.eventrouter.bridge.proxy.CorsPolicy;
import io.eventrouter.bridge.proxy.ExperimentHandler;
import io.eventrouter.bridge.proxy.RemoteConfigHandler;
import io.eventrouter.bridge.proxy.UpstreamForwarder;
import io.eventrouter.bridge.throttle.ConnectionLimit;
import io.eventrouter.bridge.throttle.EventRateLimiter;
import io.eventrouter.bridge.throttle.RequestGate;
import io.eventrouter.bridge.throttle.TokenBuckets;
import io.eventrouter.core.amplitude.AmplitudeResponse;
import io.eventrouter.core.amplitude.IdentifyApi;
import io.eventrouter.core.identity.ExperimentUserFiller;
import io.eventrouter.core.identity.IdentityScope;
import io.eventrouter.core.source.Source;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * The bridge's routes: Amplitude's ingestion endpoints, the legacy upload, the Identify APIs,
 * Experiment and the browser SDK's remote configuration, each handled as Amplitude handles it,
 * under an optional path prefix. Mount {@link #routes()} and {@link #corsPolicy()} in any
 * WebFlux application.
 *
 * <p>Each path also works with a trailing slash, since SDK settings produce both, and no
 * request is ever redirected: browsers and SDKs do not resend a POST body after a redirect.
 */
public final class ClientBridge {

    private static final Logger logger = LoggerFactory.getLogger(ClientBridge.class);

    /** Amplitude's limit for {@code /2/httpapi}: 1 MB. */
    public static final int HTTP_API_MAX_BODY_BYTES = 1024 * 1024;

    /** Amplitude's limit for {@code /batch}: 20 MB. */
    public static final int BATCH_API_MAX_BODY_BYTES = 20 * 1024 * 1024;

    /** Amplitude's limit on events in one request, on both APIs. */
    public static final int MAX_EVENTS = 2000;

    /** Maximum number of keys each rate limit tracks at once; see {@link TokenBuckets}. */
    private static final int MAX_TRACKED_KEYS = 100_000;

    private final String pathPrefix;

    private final HttpApiHandler httpApi;

    private final HttpApiHandler batchApi;

    private final LegacyUploadHandler legacyUpload;

    private final IdentifyHandler identify;

    private final IdentifyHandler groupIdentify;

    private final ExperimentHandler experiment;

    private final RemoteConfigHandler remoteConfig;

    private final boolean forwardsVariants;

    private final boolean forwardsFlags;

    private final boolean forwardsRemoteConfig;

    private final RequestGate gate;

    private final @Nullable BodyBudget bodies;

    private final CorsPolicy cors;

    private final @Nullable ConnectionLimit connections;

    private ClientBridge(Builder builder) {
        this.pathPrefix = builder.pathPrefix;
        ClientAddressResolver addresses = new ClientAddressResolver(builder.trustedProxies);
        Intake intake = new Intake(builder.source, builder.apiKeys, addresses,
                buckets(builder.requestsPerSecondPerApiKey, builder.nanoTime), builder.requestsPerSecondPerApiKey,
                eventRates(builder));
        this.httpApi = new HttpApiHandler(intake, builder.httpApiMaxBodyBytes, builder.maxEvents,
                builder.readTimeout, builder.clock);
        this.batchApi = new HttpApiHandler(intake, builder.batchApiMaxBodyBytes, builder.maxEvents,
                builder.readTimeout, builder.clock);
        this.legacyUpload = new LegacyUploadHandler(intake, builder.httpApiMaxBodyBytes, builder.maxEvents,
                builder.readTimeout);
        this.identify = new IdentifyHandler(IdentifyApi.IDENTIFY, intake, builder.httpApiMaxBodyBytes,
                builder.readTimeout);
        this.groupIdentify = new IdentifyHandler(IdentifyApi.GROUP_IDENTIFY, intake, builder.httpApiMaxBodyBytes,
                builder.readTimeout);
        UpstreamForwarder forwarder = new UpstreamForwarder(
                (builder.webClient != null) ? builder.webClient : WebClient.builder(), builder.upstreamTimeout);
        this.experiment = new ExperimentHandler(forwarder, addresses, builder.experimentUrl, builder.experimentFlagsUrl,
                userCompletion(builder));
        this.remoteConfig = new RemoteConfigHandler(forwarder, builder.apiKeys, builder.remoteConfigUrl);
        this.forwardsVariants = builder.experimentUrl != null;
        this.forwardsFlags = builder.experimentFlagsUrl != null;
        this.forwardsRemoteConfig = builder.remoteConfigUrl != null;
        this.connections = (builder.maxConnections > 0) ? new ConnectionLimit(builder.maxConnections) : null;
        this.gate = new RequestGate(addresses, buckets(builder.requestsPerSecondPerAddress, builder.nanoTime),
                builder.requestsPerSecondPerAddress, builder.maxRequestsInFlight, this::isLegacyUpload,
                this.connections);
        this.bodies = (builder.maxBodyBytesInFlight > 0) ? new BodyBudget(builder.maxBodyBytesInFlight) : null;
        this.cors = new CorsPolicy(pathPatterns(), this.pathPrefix.isEmpty() ? List.of("/") : List.of(),
                builder.allowedOrigins, builder.corsMaxAge);
        if (builder.apiKeys.isOpen()) {
            logger.warn("The client bridge accepts every API key and forwards it unchanged: "
                    + "list the keys it may accept under router.bridge.api-keys");
        }
    }

    private static @Nullable Function<ObjectNode, Mono<ObjectNode>> userCompletion(Builder builder) {
        ExperimentUserFiller filler = builder.experimentUserFiller;
        IdentityScope scope = builder.experimentScope;
        return (filler != null && scope != null) ? (user) -> filler.fill(scope, user) : null;
    }

    private static @Nullable TokenBuckets buckets(int perSecond, LongSupplier nanoTime) {
        return (perSecond > 0) ? new TokenBuckets(perSecond, perSecond, MAX_TRACKED_KEYS, nanoTime) : null;
    }

    private static @Nullable EventRateLimiter eventRates(Builder builder) {
        return (builder.eventsPerSecondPerId > 0)
                ? new EventRateLimiter(builder.eventsPerSecondPerId, builder.throttleWindow, MAX_TRACKED_KEYS,
                        builder.nanoTime)
                : null;
    }

    public static Builder builder(Source source) {
        return new Builder(source);
    }

    /**
     * Returns every route of the bridge, each behind the request limits: those of
     * {@link #servedRoutes()} and those of {@link #unservedMethodRoutes()}. Below a path prefix,
     * any other request under the prefix gets Amplitude's 404 for an unknown path. At the root,
     * other paths are left to the application.
     */
    public RouterFunction<ServerResponse> routes() {
        RouterFunctions.Builder routes = served(true).add(methodsNotAllowed());
        if (!this.pathPrefix.isEmpty()) {
            routes.route(RequestPredicates.path(this.pathPrefix + "/**"), (request) -> Responses.json(
                    AmplitudeResponse.error(404, "Invalid request path").build()));
        }
        return guarded(routes);
    }

    /**
     * Returns the routes an application that embeds the bridge consults before its own handlers.
     * Below a path prefix, which belongs to the bridge, these are all the {@link #routes()}. At the
     * root they are only the methods the bridge serves on its paths, so that the application's
     * own handlers of other methods on the same paths, such as a {@code GET /batch}, still run;
     * Experiment and remote configuration claim their paths only once their upstreams are set.
     */
    public RouterFunction<ServerResponse> servedRoutes() {
        return this.pathPrefix.isEmpty() ? guarded(served(false)) : routes();
    }

    /**
     * Returns the routes that respond to a method the bridge does not serve on its paths, for an
     * application to consult after its own handlers: at the root only, since below a prefix
     * {@link #servedRoutes()} include them.
     */
    public Optional<RouterFunction<ServerResponse>> unservedMethodRoutes() {
        return this.pathPrefix.isEmpty() ? Optional.of(guarded(RouterFunctions.route().add(methodsNotAllowed())))
                : Optional.empty();
    }

    /**
     * Builds the routes of the methods the bridge serves.
     *
     * @param unconfigured whether to route Experiment and remote configuration before their
     *        upstreams are set, to respond that they are not configured
     */
    private RouterFunctions.Builder served(boolean unconfigured) {
        RouterFunctions.Builder routes = RouterFunctions.route()
                .route(post("/2/httpapi"), this.httpApi::upload)
                .route(post("/batch"), this.batchApi::upload)
                .route(legacyUploadPredicate(), this.legacyUpload::upload)
                .route(getOrPost("/identify"), this.identify::identify)
                .route(getOrPost("/groupidentify"), this.groupIdentify::identify);
        if (unconfigured || this.forwardsVariants) {
            routes.route(getOrPost("/sdk/v2/vardata"), variants("/sdk/v2/vardata"))
                    .route(getOrPost("/sdk/vardata"), variants("/sdk/vardata"))
                    .route(getOrPost("/v1/vardata"), variants("/v1/vardata"));
        }
        if (unconfigured || this.forwardsFlags) {
            routes.route(get("/sdk/v2/flags"), this.experiment::flags);
        }
        if (unconfigured || this.forwardsRemoteConfig) {
            routes.route(get("/config/{apiKey}"), this.remoteConfig::config);
        }
        return routes;
    }

    private RouterFunction<ServerResponse> guarded(RouterFunctions.Builder routes) {
        routes.filter(this.gate);
        if (this.bodies != null) {
            routes.filter(this.bodies);
        }
        return routes.filter(new ResponseGuard()).build();
    }

    /** Returns the bytes of request bodies the bridge keeps in memory now; 0 when they are not limited. */
    public long heldBodyBytes() {
        return (this.bodies != null) ? this.bodies.heldBytes() : 0;
    }

    /** Returns how many request bodies were rejected with a 503 because they did not fit the memory bound. */
    public long refusedBodies() {
        return (this.bodies != null) ? this.bodies.refusedBodies() : 0;
    }

    /**
     * Returns the connection cap to install on the Reactor Netty server that serves the bridge
     * ({@code HttpServer.doOnChannelInit}), or empty when no cap is configured.
     */
    public Optional<ConnectionLimit> connectionLimit() {
        return Optional.ofNullable(this.connections);
    }

    /**
     * Returns the filter that applies CORS to the bridge's paths and handles preflights. Register
     * it with the application's WebFlux configuration; without it, browsers on other origins
     * cannot upload.
     */
    public CorsPolicy corsPolicy() {
        return this.cors;
    }

    private HandlerFunction<ServerResponse> variants(String upstreamPath) {
        return (request) -> this.experiment.variants(request, upstreamPath);
    }

    private List<String> pathPatterns() {
        List<String> patterns = new ArrayList<>();
        for (String path : List.of("/2/httpapi", "/batch", "/identify", "/groupidentify", "/sdk/v2/vardata",
                "/sdk/vardata", "/v1/vardata", "/sdk/v2/flags", "/config/{apiKey}")) {
            patterns.add(this.pathPrefix + path);
            patterns.add(this.pathPrefix + path + "/");
        }
        if (!this.pathPrefix.isEmpty()) {
            // The whole prefix belongs to the bridge, so its 404 for unknown paths gets CORS too. At
            // the root, "/" belongs to the application except for the legacy upload's POST.
            patterns.addAll(legacyUploadPaths());
            patterns.add(this.pathPrefix + "/**");
        }
        return patterns;
    }

    /** Returns the legacy upload's paths: {@code /} at the root, {@code /p} and {@code /p/} below a prefix. */
    private List<String> legacyUploadPaths() {
        return this.pathPrefix.isEmpty() ? List.of("/") : List.of(this.pathPrefix, this.pathPrefix + "/");
    }

    private RequestPredicate legacyUploadPredicate() {
        return legacyUploadPaths().stream()
                .map(RequestPredicates::POST)
                .reduce(RequestPredicate::or)
                .orElseThrow();
    }

    private boolean isLegacyUpload(ServerRequest request) {
        return legacyUploadPaths().contains(request.path());
    }

    private RequestPredicate post(String path) {
        String full = this.pathPrefix + path;
        return RequestPredicates.POST(full).or(RequestPredicates.POST(full + "/"));
    }

    /**
     * Returns the routes that respond to a method a bridge path does not serve with Amplitude's
     * 405 and an {@code Allow} header, rather than as an unknown path, and to a plain
     * {@code OPTIONS} with 204 and the same header. The legacy upload's {@code /} at the root is
     * left out, because other methods on {@code /} belong to the application.
     */
    private RouterFunction<ServerResponse> methodsNotAllowed() {
        List<HttpMethod> post = List.of(HttpMethod.POST);
        List<HttpMethod> get = List.of(HttpMethod.GET);
        List<HttpMethod> getOrPost = List.of(HttpMethod.GET, HttpMethod.POST);
        RouterFunctions.Builder routes = RouterFunctions.route();
        for (String path : List.of("/2/httpapi", "/batch")) {
            routes.route(otherMethod(path, post), otherMethodAnswer(post));
        }
        for (String path : List.of("/identify", "/groupidentify", "/sdk/v2/vardata", "/sdk/vardata", "/v1/vardata")) {
            routes.route(otherMethod(path, getOrPost), otherMethodAnswer(getOrPost));
        }
        for (String path : List.of("/sdk/v2/flags", "/config/{apiKey}")) {
            routes.route(otherMethod(path, get), otherMethodAnswer(get));
        }
        if (!this.pathPrefix.isEmpty()) {
            // The prefix itself is the legacy upload's path, which serves POST only.
            routes.route(otherMethod("", post), otherMethodAnswer(post));
        }
        return routes.build();
    }

    /** Matches a bridge path with a method it does not serve; CORS preflights never get here. */
    private RequestPredicate otherMethod(String path, List<HttpMethod> served) {
        String full = this.pathPrefix + path;
        return RequestPredicates.path(full).or(RequestPredicates.path(full + "/"))
                .and((request) -> !served.contains(request.method()));
    }

    /**
     * Creates the response to a method other than those served, with the served methods in
     * {@code Allow}: 204 to an {@code OPTIONS} that is not a CORS preflight, which requests only
     * that header, and the 405 in Amplitude's shape to anything else.
     */
    private static HandlerFunction<ServerResponse> otherMethodAnswer(List<HttpMethod> served) {
        StringBuilder allow = new StringBuilder();
        served.forEach((method) -> allow.append(method.name()).append(", "));
        allow.append(HttpMethod.OPTIONS.name());
        return (request) -> (request.method() == HttpMethod.OPTIONS)
                ? ServerResponse.noContent().header(HttpHeaders.ALLOW, allow.toString()).build()
                : ServerResponse.status(HttpStatus.METHOD_NOT_ALLOWED)
                .header(HttpHeaders.ALLOW, allow.toString())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(AmplitudeResponse.error(405, "Method not allowed").build().toBytes());
    }

    private RequestPredicate get(String path) {
        String full = this.pathPrefix + path;
        return RequestPredicates.GET(full).or(RequestPredicates.GET(full + "/"));
    }

    private RequestPredicate getOrPost(String path) {
        return get(path).or(post(path));
    }

    /** Settings of a bridge. Every limit that is 0 is off. */
    public static final class Builder {

        private final Source source;

        private String pathPrefix = "";

        private List<String> allowedOrigins = List.of("*");

        private Duration corsMaxAge = Duration.ofHours(1);

        private Clock clock = Clock.systemUTC();

        private LongSupplier nanoTime = System::nanoTime;

        private ApiKeyPolicy apiKeys = ApiKeyPolicy.passThrough();

        private TrustedProxies trustedProxies = TrustedProxies.none();

        private int httpApiMaxBodyBytes = HTTP_API_MAX_BODY_BYTES;

        private int batchApiMaxBodyBytes = BATCH_API_MAX_BODY_BYTES;

        private int maxEvents = MAX_EVENTS;

        private Duration readTimeout = Duration.ofSeconds(30);

        private int requestsPerSecondPerAddress;

        private int requestsPerSecondPerApiKey;

        private int maxRequestsInFlight;

        private int maxConnections;

        private long maxBodyBytesInFlight = Runtime.getRuntime().maxMemory() / 10;

        private int eventsPerSecondPerId;

        private Duration throttleWindow = Duration.ofSeconds(30);

        private @Nullable URI experimentUrl;

        private @Nullable URI experimentFlagsUrl;

        private @Nullable URI remoteConfigUrl;

        private @Nullable ExperimentUserFiller experimentUserFiller;

        private @Nullable IdentityScope experimentScope;

        private Duration upstreamTimeout = Duration.ofSeconds(10);

        private WebClient.@Nullable Builder webClient;

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

        /** Sets the monotonic clock of the rate limits; {@link System#nanoTime} unless a test needs its own. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /** Sets which API keys are accepted and what each becomes upstream; every key passes by default. */
        public Builder apiKeys(ApiKeyPolicy apiKeys) {
            this.apiKeys = Objects.requireNonNull(apiKeys, "apiKeys");
            return this;
        }

        /** Sets the proxies whose {@code Forwarded} and {@code X-Forwarded-For} headers are believed; none by default. */
        public Builder trustedProxies(TrustedProxies trustedProxies) {
            this.trustedProxies = Objects.requireNonNull(trustedProxies, "trustedProxies");
            return this;
        }

        /** Sets the largest {@code /2/httpapi} body, counted after inflating; it also bounds the legacy and Identify uploads. */
        public Builder httpApiMaxBodyBytes(int bytes) {
            this.httpApiMaxBodyBytes = requirePositive(bytes, "httpApiMaxBodyBytes");
            return this;
        }

        /** Sets the largest {@code /batch} body, counted after inflating. */
        public Builder batchApiMaxBodyBytes(int bytes) {
            this.batchApiMaxBodyBytes = requirePositive(bytes, "batchApiMaxBodyBytes");
            return this;
        }

        /** Sets the most events in one request. */
        public Builder maxEvents(int maxEvents) {
            this.maxEvents = requirePositive(maxEvents, "maxEvents");
            return this;
        }

        /** Sets how long a client may take to send a whole request body; a slower one gets a 408. */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
            return this;
        }

        /** Limits the requests per second from one client address; 0 for no limit. */
        public Builder requestsPerSecondPerAddress(int limit) {
            this.requestsPerSecondPerAddress = requireNotNegative(limit, "requestsPerSecondPerAddress");
            return this;
        }

        /** Limits the requests per second with one API key; 0 for no limit. */
        public Builder requestsPerSecondPerApiKey(int limit) {
            this.requestsPerSecondPerApiKey = requireNotNegative(limit, "requestsPerSecondPerApiKey");
            return this;
        }

        /** Limits the requests the bridge handles at once; 0 for no limit. */
        public Builder maxRequestsInFlight(int limit) {
            this.maxRequestsInFlight = requireNotNegative(limit, "maxRequestsInFlight");
            return this;
        }

        /**
         * Caps the open connections of the server that serves the bridge; requests on connections
         * beyond it get a 429 and the connection is closed. 0 for no cap.
         */
        public Builder maxConnections(int limit) {
            this.maxConnections = requireNotNegative(limit, "maxConnections");
            return this;
        }

        /**
         * Limits the bytes of request bodies the bridge keeps in memory at once, counted as read
         * and again as inflated, until the handler has produced each response. A body that does
         * not fit gets a 503 with {@code Retry-After}, unless it is the only one. A tenth of the
         * maximum heap by default; 0 for no limit.
         */
        public Builder maxBodyBytesInFlight(long limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("maxBodyBytesInFlight must be 0 or more, but was " + limit);
            }
            this.maxBodyBytesInFlight = limit;
            return this;
        }

        /** Limits the events per second of each device and each user, averaged over the throttle window; 0 for no limit. */
        public Builder eventsPerSecondPerId(int limit) {
            this.eventsPerSecondPerId = requireNotNegative(limit, "eventsPerSecondPerId");
            return this;
        }

        /** Sets the window the per-device and per-user rate is averaged over; Amplitude uses 30 s. */
        public Builder throttleWindow(Duration window) {
            this.throttleWindow = Objects.requireNonNull(window, "window");
            return this;
        }

        /** Forwards remote evaluation to this base URL, such as {@code https://api.lab.amplitude.com}. */
        public Builder experimentUrl(@Nullable URI url) {
            this.experimentUrl = url;
            return this;
        }

        /** Forwards flag configuration requests to this base URL, such as {@code https://flag.lab.amplitude.com}. */
        public Builder experimentFlagsUrl(@Nullable URI url) {
            this.experimentFlagsUrl = url;
            return this;
        }

        /**
         * Completes the user of each remote evaluation request with the ids {@code filler} has
         * linked in {@code scope} before forwarding it. Experiment requests carry a deployment
         * key rather than the analytics API key, so the scope names the project whose links apply.
         */
        public Builder experimentUserFiller(ExperimentUserFiller filler, IdentityScope scope) {
            this.experimentUserFiller = Objects.requireNonNull(filler, "filler");
            this.experimentScope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /** Forwards remote configuration to this base URL, such as {@code https://sr-client-cfg.amplitude.com}. */
        public Builder remoteConfigUrl(@Nullable URI url) {
            this.remoteConfigUrl = url;
            return this;
        }

        /** Sets how long a forwarded request may take. */
        public Builder upstreamTimeout(Duration timeout) {
            this.upstreamTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Sets the builder of the client that forwards to upstreams. */
        public Builder webClient(WebClient.Builder webClient) {
            this.webClient = Objects.requireNonNull(webClient, "webClient");
            return this;
        }

        public ClientBridge build() {
            return new ClientBridge(this);
        }

        private static int requirePositive(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, but was " + value);
            }
            return value;
        }

        private static int requireNotNegative(int value, String name) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " must be 0 or more, but was " + value);
            }
            return value;
        }

    }

}

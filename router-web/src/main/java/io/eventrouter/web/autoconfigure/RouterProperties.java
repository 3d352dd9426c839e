package io.eventrouter.web.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.core.amplitude.AmplitudeDestination;
import io.eventrouter.core.pipeline.BatchPolicy;
import io.eventrouter.core.pipeline.DispatchPipeline;
import io.eventrouter.core.pipeline.RetryPolicy;
import io.eventrouter.core.spool.SyncPolicy;
import io.eventrouter.sdk.OverflowPolicy;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration of Event Router, under {@code router.*}. Each setting rejects a value out of
 * range while it binds. As a {@link Validator}, the properties also check settings that depend
 * on each other, the batch settings, and the paths of the spool, the file destination and the
 * dead-letter store, once their group is bound. Either failure stops start-up with a report that
 * names the property.
 */
@ConfigurationProperties("router")
public class RouterProperties implements Validator {

    private final Pipeline pipeline = new Pipeline();

    private final Spool spool = new Spool();

    private final Bridge bridge = new Bridge();

    private final Destinations destinations = new Destinations();

    private final DeadLetters deadLetters = new DeadLetters();

    private final Admin admin = new Admin();

    private final Sdk sdk = new Sdk();

    @Override
    public boolean supports(Class<?> type) {
        return type == Retry.class || type == Spool.class || type == Batch.class || type == Amplitude.class
                || type == Limits.class || type == File.class || type == DeadLetters.class || type == Pipeline.class
                || type == DuplicateWindow.class || type == Bridge.class || type == Sdk.class
                || type == Experiment.class;
    }

    @Override
    public void validate(Object target, Errors errors) {
        if (target instanceof Retry retry && retry.getInitialBackoff().compareTo(retry.getMaxBackoff()) > 0) {
            errors.rejectValue("initialBackoff", "router.retry.initial-backoff",
                    "must not be longer than max-backoff (" + retry.getMaxBackoff() + ")");
        }
        if (target instanceof Spool spool && spool.getType() == Spool.Type.FILE) {
            if (spool.getMaxSize().toBytes() < Spool.MIN_MAX_SIZE.toBytes()) {
                errors.rejectValue("maxSize", "router.spool.max-size", "must be at least 1MB");
            }
            DataPathChecks.checkDirectory(errors, "path", spool.getPath(), "data/spool");
        }
        if (target instanceof Batch batch) {
            batch.validate(errors);
        }
        if (target instanceof Amplitude amplitude) {
            amplitude.validateBatchLimits(errors);
        }
        if (target instanceof File file) {
            DataPathChecks.checkFile(errors, "path", file.getPath(), "data/events.jsonl");
        }
        if (target instanceof DeadLetters deadLetters) {
            DataPathChecks.checkFile(errors, "path", deadLetters.getPath(), "data/dead-letters.mv");
        }
        if (target instanceof Limits limits) {
            if (limits.getMaxBodyBytesInFlight() != null && limits.getMaxBodyBytesInFlight().isNegative()) {
                errors.rejectValue("maxBodyBytesInFlight", "router.bridge.limits.max-body-bytes-in-flight",
                        "must be 0 or more");
            }
            atLeast(errors, "requestsPerSecondPerAddress", limits.getRequestsPerSecondPerAddress(), 0);
            atLeast(errors, "requestsPerSecondPerApiKey", limits.getRequestsPerSecondPerApiKey(), 0);
            atLeast(errors, "maxRequestsInFlight", limits.getMaxRequestsInFlight(), 0);
            atLeast(errors, "maxConnections", limits.getMaxConnections(), 0);
            atLeast(errors, "eventsPerSecondPerId", limits.getEventsPerSecondPerId(), 0);
            positive(errors, "throttleWindow", limits.getThrottleWindow());
        }
        if (target instanceof Pipeline pipeline) {
            atLeast(errors, "sourceQueueCapacity", pipeline.getSourceQueueCapacity(), 1);
            atLeast(errors, "maxHeldEvents", pipeline.getMaxHeldEvents(), 1);
            atLeast(errors, "maxDeliveriesInFlight", pipeline.getMaxDeliveriesInFlight(), 1);
            positive(errors, "deliveryTimeout", pipeline.getDeliveryTimeout());
            if (pipeline.getShutdownGracePeriod().isNegative()) {
                errors.rejectValue("shutdownGracePeriod", "negative", "must not be negative");
            }
        }
        if (target instanceof DuplicateWindow window) {
            atLeast(errors, "size", window.getSize(), 1);
            positive(errors, "maxAge", window.getMaxAge());
        }
        if (target instanceof Spool spool) {
            positive(errors, "syncInterval", spool.getSyncInterval());
            positive(errors, "checkpointInterval", spool.getCheckpointInterval());
            atLeast(errors, "capacity", spool.getCapacity(), 1);
        }
        if (target instanceof Bridge bridge) {
            validateBridge(bridge, errors);
        }
        if (target instanceof Amplitude amplitude) {
            positive(errors, "timeout", amplitude.getTimeout());
            positive(errors, "throttlePause", amplitude.getThrottlePause());
            String scheme = amplitude.getUrl().getScheme();
            if (amplitude.getUrl().getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
                errors.rejectValue("url", "invalid", "must be an http or https URL with a host, such as "
                        + "https://api.eu.amplitude.com");
            }
        }
        if (target instanceof Experiment experiment) {
            positive(errors, "timeout", experiment.getTimeout());
        }
        if (target instanceof Sdk sdk) {
            atLeast(errors, "bufferCapacity", sdk.getBufferCapacity(), 1);
            URI endpoint = sdk.getEndpoint();
            if (endpoint != null && (endpoint.getHost() == null || endpoint.getRawQuery() != null
                    || endpoint.getRawFragment() != null)) {
                errors.rejectValue("endpoint", "invalid", "must be a base URL with a host and without a query "
                        + "or fragment, such as http://127.0.0.1:8080");
            }
            if (sdk.getCloseTimeout().isNegative()) {
                errors.rejectValue("closeTimeout", "negative", "must not be negative");
            }
        }
    }

    private static void validateBridge(Bridge bridge, Errors errors) {
        String prefix = bridge.getPathPrefix();
        if (!prefix.isEmpty() && !prefix.startsWith("/")) {
            errors.rejectValue("pathPrefix", "invalid", "must be empty or start with '/', such as /amplitude");
        }
        positive(errors, "readTimeout", bridge.getReadTimeout());
        if (bridge.getCorsMaxAge().isNegative()) {
            errors.rejectValue("corsMaxAge", "negative", "must not be negative");
        }
        atLeast(errors, "maxEventsPerRequest", bridge.getMaxEventsPerRequest(), 1);
        for (String field : List.of("httpApiMaxBodySize", "batchApiMaxBodySize")) {
            DataSize size = field.equals("httpApiMaxBodySize") ? bridge.getHttpApiMaxBodySize()
                    : bridge.getBatchApiMaxBodySize();
            if (size.toBytes() < 1 || size.toBytes() > Integer.MAX_VALUE) {
                errors.rejectValue(field, "range", "must be between 1B and " + Integer.MAX_VALUE + "B");
            }
        }
    }

    static void atLeast(Errors errors, String field, long value, long min) {
        if (value < min) {
            errors.rejectValue(field, "range", "must be at least " + min);
        }
    }

    static void positive(Errors errors, String field, Duration value) {
        if (value.isNegative() || value.isZero()) {
            errors.rejectValue(field, "range", "must be positive");
        }
    }

    public Pipeline getPipeline() {
        return this.pipeline;
    }

    public Spool getSpool() {
        return this.spool;
    }

    public Bridge getBridge() {
        return this.bridge;
    }

    public Destinations getDestinations() {
        return this.destinations;
    }

    public DeadLetters getDeadLetters() {
        return this.deadLetters;
    }

    public Admin getAdmin() {
        return this.admin;
    }

    public Sdk getSdk() {
        return this.sdk;
    }

    /** Settings of the dispatch pipeline. */
    public static class Pipeline {

        /** Submissions each source queues in front of the acceptance stage before the bridge responds with 503. */
        private int sourceQueueCapacity = 1024;

        /** How long one delivery to a destination may take before it is retried. */
        private Duration deliveryTimeout = Duration.ofSeconds(30);

        /** How long a stopping router lets destinations deliver their backlog; the rest stays in the spool. */
        private Duration shutdownGracePeriod = Duration.ofSeconds(10);

        private final Retry retry = new Retry();

        private final DuplicateWindow duplicateWindow = new DuplicateWindow();

        public Duration getShutdownGracePeriod() {
            return this.shutdownGracePeriod;
        }

        public void setShutdownGracePeriod(Duration shutdownGracePeriod) {
            this.shutdownGracePeriod = shutdownGracePeriod;
        }

        public DuplicateWindow getDuplicateWindow() {
            return this.duplicateWindow;
        }

        /**
         * Events each destination keeps on the heap (batches, deliveries in flight, events waiting
         * for their device's delivery, retries); the rest wait in the spool.
         */
        private int maxHeldEvents = 5_000;

        public int getMaxHeldEvents() {
            return this.maxHeldEvents;
        }

        public void setMaxHeldEvents(int maxHeldEvents) {
            this.maxHeldEvents = maxHeldEvents;
        }

        /**
         * Encoded events each destination keeps on the heap, the byte counterpart of
         * max-held-events for large events; the heap they take is two to three times this. When
         * unset, a thirty-second of the maximum heap, between 1MB and 8MB.
         */
        private @Nullable DataSize maxHeldBytes;

        public @Nullable DataSize getMaxHeldBytes() {
            return this.maxHeldBytes;
        }

        public void setMaxHeldBytes(@Nullable DataSize maxHeldBytes) {
            this.maxHeldBytes = maxHeldBytes;
        }

        /** Deliveries each destination keeps in flight at once; a device's events are in at most one of them. */
        private int maxDeliveriesInFlight = 8;

        public int getMaxDeliveriesInFlight() {
            return this.maxDeliveriesInFlight;
        }

        public void setMaxDeliveriesInFlight(int maxDeliveriesInFlight) {
            this.maxDeliveriesInFlight = maxDeliveriesInFlight;
        }

        public int getSourceQueueCapacity() {
            return this.sourceQueueCapacity;
        }

        public void setSourceQueueCapacity(int sourceQueueCapacity) {
            this.sourceQueueCapacity = sourceQueueCapacity;
        }

        public Duration getDeliveryTimeout() {
            return this.deliveryTimeout;
        }

        public void setDeliveryTimeout(Duration deliveryTimeout) {
            this.deliveryTimeout = deliveryTimeout;
        }

        public Retry getRetry() {
            return this.retry;
        }

    }

    /** Settings of the window that recognises resent events at ingress by API key, device or user id and insert id. */
    public static class DuplicateWindow {

        /** Maximum number of recent events remembered; each takes about 28 bytes of heap. */
        private int size = 100_000;

        /** How long an event is remembered. */
        private Duration maxAge = Duration.ofMinutes(10);

        public int getSize() {
            return this.size;
        }

        public void setSize(int size) {
            this.size = size;
        }

        public Duration getMaxAge() {
            return this.maxAge;
        }

        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

    }

    /** Retry budget of every destination. */
    public static class Retry {

        /**
         * Maximum number of failed deliveries of one event; then it goes to the dead-letter store.
         * Throttled deliveries and resends after a 400 or 429 that named other events do not count.
         */
        private int maxAttempts = RetryPolicy.defaults().maxAttempts();

        /** How long after its first delivery an event is still retried; then it goes to the dead-letter store. */
        private Duration maxAge = RetryPolicy.defaults().maxAge();

        /** Wait before the first retry; it doubles with each attempt. */
        private Duration initialBackoff = RetryPolicy.defaults().initialBackoff();

        /** Maximum wait between two attempts. */
        private Duration maxBackoff = RetryPolicy.defaults().maxBackoff();

        /**
         * Maximum step of the wait between two probes while a destination looks down. The end of
         * an outage is noticed within about this long.
         */
        private Duration maxProbeInterval = DispatchPipeline.DEFAULT_MAX_PROBE_INTERVAL;

        public int getMaxAttempts() {
            return this.maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("must be at least 1");
            }
            this.maxAttempts = maxAttempts;
        }

        public Duration getMaxAge() {
            return this.maxAge;
        }

        public void setMaxAge(Duration maxAge) {
            this.maxAge = requirePositive(maxAge);
        }

        public Duration getInitialBackoff() {
            return this.initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            if (initialBackoff.isNegative()) {
                throw new IllegalArgumentException("must not be negative");
            }
            this.initialBackoff = initialBackoff;
        }

        public Duration getMaxBackoff() {
            return this.maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = requirePositive(maxBackoff);
        }

        public Duration getMaxProbeInterval() {
            return this.maxProbeInterval;
        }

        public void setMaxProbeInterval(Duration maxProbeInterval) {
            this.maxProbeInterval = requirePositive(maxProbeInterval);
        }

        /** Rejects a duration that is zero or negative while the property binds, so the failure names the property. */
        private static Duration requirePositive(Duration duration) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("must be positive");
            }
            return duration;
        }

        RetryPolicy toPolicy() {
            return new RetryPolicy(this.maxAttempts, this.maxAge, this.initialBackoff, this.maxBackoff);
        }

    }

    /** Settings of the spool between acceptance and dispatch. */
    public static class Spool {

        /** The smallest spool {@link io.eventrouter.core.spool.MVStoreSpool.Builder#maxBytes} accepts. */
        static final DataSize MIN_MAX_SIZE = DataSize.ofMegabytes(1);

        /** Kind of spool accepted events wait in: on local disk, or on the heap. */
        private Type type = Type.FILE;

        /** Directory of the file spool's H2 MVStore file, spool.mv.db. */
        private Path path = Path.of("data", "spool");

        /**
         * Maximum bytes of the events in the file spool, at least 1MB; beyond it, ingestion
         * responds with 503.
         */
        private DataSize maxSize = DataSize.ofGigabytes(1);

        /** Policy for syncing the file spool's appended events to disk: always, periodic or never. */
        private SyncPolicy sync = SyncPolicy.ALWAYS;

        /** How often the periodic sync policy syncs the file spool to disk. */
        private Duration syncInterval = Duration.ofSeconds(1);

        /** How often the file spool persists each destination's position, deletes delivered events and compacts its file. */
        private Duration checkpointInterval = Duration.ofSeconds(1);

        /** Maximum number of events in the in-memory spool; beyond it, ingestion responds with 503. */
        private int capacity = 100_000;

        public Type getType() {
            return this.type;
        }

        public void setType(Type type) {
            this.type = type;
        }

        public Path getPath() {
            return this.path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

        public DataSize getMaxSize() {
            return this.maxSize;
        }

        public void setMaxSize(DataSize maxSize) {
            this.maxSize = maxSize;
        }

        public SyncPolicy getSync() {
            return this.sync;
        }

        public void setSync(SyncPolicy sync) {
            this.sync = sync;
        }

        public Duration getSyncInterval() {
            return this.syncInterval;
        }

        public void setSyncInterval(Duration syncInterval) {
            this.syncInterval = syncInterval;
        }

        public Duration getCheckpointInterval() {
            return this.checkpointInterval;
        }

        public void setCheckpointInterval(Duration checkpointInterval) {
            this.checkpointInterval = checkpointInterval;
        }

        public int getCapacity() {
            return this.capacity;
        }

        public void setCapacity(int capacity) {
            this.capacity = capacity;
        }

        /** Kinds of spool. */
        public enum Type {

            /** An H2 MVStore file on local disk that survives restarts and crashes; the default. */
            FILE,

            /** A ring on the heap; its events are lost when the process stops. */
            MEMORY

        }

    }

    /** Settings of the client bridge, the endpoints Amplitude's client SDKs upload to. */
    public static class Bridge {

        /** Whether to serve the bridge's endpoints. */
        private boolean enabled = true;

        /** Path under which every bridge endpoint is served, such as /amplitude; empty for the root. */
        private String pathPrefix = "";

        /** Origin patterns browsers may upload from; * allows any origin. */
        private List<String> allowedOrigins = new ArrayList<>(List.of("*"));

        /** How long browsers may cache a CORS preflight's result. */
        private Duration corsMaxAge = Duration.ofHours(1);

        /**
         * Port of the bridge's own server in a Servlet application; 0 picks a free port. That server
         * takes headers up to 32 KB, responds to larger ones in Amplitude's shape, and closes
         * connections idle for 75 s, as the standalone router does. A reactive application serves the bridge on
         * its own port instead.
         */
        private int port = 8081;

        /** Address the bridge's own server binds to in a Servlet application; empty for every interface. */
        private @Nullable String address;

        /**
         * Whether a Servlet application serves the bridge under its own port and the path prefix,
         * which must then be set, instead of on a server of its own.
         */
        private boolean shareApplicationPort;

        /** API keys the bridge accepts; with none listed here or in api-key-mapping, every key passes. */
        private List<String> apiKeys = new ArrayList<>();

        /** Accepted API keys that are replaced upstream: the key clients send, to the project key sent on. */
        private Map<String, String> apiKeyMapping = new LinkedHashMap<>();

        /** Addresses and CIDR ranges of proxies whose Forwarded and X-Forwarded-For headers are believed. */
        private List<String> trustedProxies = new ArrayList<>();

        /** Largest /2/httpapi body after inflating; also bounds the legacy and Identify uploads. */
        private DataSize httpApiMaxBodySize = DataSize.ofBytes(ClientBridge.HTTP_API_MAX_BODY_BYTES);

        /** Largest /batch body after inflating. */
        private DataSize batchApiMaxBodySize = DataSize.ofBytes(ClientBridge.BATCH_API_MAX_BODY_BYTES);

        /** Maximum number of events in one upload. */
        private int maxEventsPerRequest = ClientBridge.MAX_EVENTS;

        /** How long a client may take to send a request body before it gets a 408, on the admin endpoints too. */
        private Duration readTimeout = Duration.ofSeconds(30);

        private final Limits limits = new Limits();

        private final Experiment experiment = new Experiment();

        private final RemoteConfig remoteConfig = new RemoteConfig();

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getPathPrefix() {
            return this.pathPrefix;
        }

        public void setPathPrefix(String pathPrefix) {
            this.pathPrefix = pathPrefix;
        }

        public List<String> getAllowedOrigins() {
            return this.allowedOrigins;
        }

        public void setAllowedOrigins(List<String> allowedOrigins) {
            this.allowedOrigins = allowedOrigins;
        }

        public Duration getCorsMaxAge() {
            return this.corsMaxAge;
        }

        public void setCorsMaxAge(Duration corsMaxAge) {
            this.corsMaxAge = corsMaxAge;
        }

        public int getPort() {
            return this.port;
        }

        public void setPort(int port) {
            this.port = port;
        }

        public @Nullable String getAddress() {
            return this.address;
        }

        public boolean isShareApplicationPort() {
            return this.shareApplicationPort;
        }

        public void setShareApplicationPort(boolean shareApplicationPort) {
            this.shareApplicationPort = shareApplicationPort;
        }

        public void setAddress(@Nullable String address) {
            this.address = address;
        }

        public List<String> getApiKeys() {
            return this.apiKeys;
        }

        public void setApiKeys(List<String> apiKeys) {
            this.apiKeys = apiKeys;
        }

        public Map<String, String> getApiKeyMapping() {
            return this.apiKeyMapping;
        }

        public void setApiKeyMapping(Map<String, String> apiKeyMapping) {
            this.apiKeyMapping = apiKeyMapping;
        }

        public List<String> getTrustedProxies() {
            return this.trustedProxies;
        }

        public void setTrustedProxies(List<String> trustedProxies) {
            this.trustedProxies = trustedProxies;
        }

        public DataSize getHttpApiMaxBodySize() {
            return this.httpApiMaxBodySize;
        }

        public void setHttpApiMaxBodySize(DataSize httpApiMaxBodySize) {
            this.httpApiMaxBodySize = httpApiMaxBodySize;
        }

        public DataSize getBatchApiMaxBodySize() {
            return this.batchApiMaxBodySize;
        }

        public void setBatchApiMaxBodySize(DataSize batchApiMaxBodySize) {
            this.batchApiMaxBodySize = batchApiMaxBodySize;
        }

        public int getMaxEventsPerRequest() {
            return this.maxEventsPerRequest;
        }

        public void setMaxEventsPerRequest(int maxEventsPerRequest) {
            this.maxEventsPerRequest = maxEventsPerRequest;
        }

        public Duration getReadTimeout() {
            return this.readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        public Limits getLimits() {
            return this.limits;
        }

        public Experiment getExperiment() {
            return this.experiment;
        }

        public RemoteConfig getRemoteConfig() {
            return this.remoteConfig;
        }

    }

    /** The bridge's own request and event limits, enforced with Amplitude's 429. A limit of 0 is off. */
    public static class Limits {

        /** Requests per second one client address may send. */
        private int requestsPerSecondPerAddress;

        /** Requests per second that may arrive with one API key. */
        private int requestsPerSecondPerApiKey;

        /** Requests the bridge handles at once. */
        private int maxRequestsInFlight;

        /**
         * Bytes of request bodies the bridge keeps in memory at once, counted as read and again as
         * inflated; a body beyond it gets a 503 unless it is the only one. Empty for a tenth of the
         * maximum heap; 0 is off.
         */
        private @Nullable DataSize maxBodyBytesInFlight;

        /**
         * Open connections of the server that serves the bridge; requests on connections beyond it
         * get a 429 and their connection is closed. Counts every connection of that server.
         */
        private int maxConnections;

        /** Events per second each device and each user may send, averaged over throttle-window. */
        private int eventsPerSecondPerId;

        /** Period the per-device and per-user rate is averaged over; Amplitude uses 30 s. */
        private Duration throttleWindow = Duration.ofSeconds(30);

        public int getRequestsPerSecondPerAddress() {
            return this.requestsPerSecondPerAddress;
        }

        public void setRequestsPerSecondPerAddress(int requestsPerSecondPerAddress) {
            this.requestsPerSecondPerAddress = requestsPerSecondPerAddress;
        }

        public int getRequestsPerSecondPerApiKey() {
            return this.requestsPerSecondPerApiKey;
        }

        public void setRequestsPerSecondPerApiKey(int requestsPerSecondPerApiKey) {
            this.requestsPerSecondPerApiKey = requestsPerSecondPerApiKey;
        }

        public int getMaxRequestsInFlight() {
            return this.maxRequestsInFlight;
        }

        public void setMaxRequestsInFlight(int maxRequestsInFlight) {
            this.maxRequestsInFlight = maxRequestsInFlight;
        }

        public @Nullable DataSize getMaxBodyBytesInFlight() {
            return this.maxBodyBytesInFlight;
        }

        public void setMaxBodyBytesInFlight(@Nullable DataSize maxBodyBytesInFlight) {
            this.maxBodyBytesInFlight = maxBodyBytesInFlight;
        }

        public int getMaxConnections() {
            return this.maxConnections;
        }

        public void setMaxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
        }

        public int getEventsPerSecondPerId() {
            return this.eventsPerSecondPerId;
        }

        public void setEventsPerSecondPerId(int eventsPerSecondPerId) {
            this.eventsPerSecondPerId = eventsPerSecondPerId;
        }

        public Duration getThrottleWindow() {
            return this.throttleWindow;
        }

        public void setThrottleWindow(Duration throttleWindow) {
            this.throttleWindow = throttleWindow;
        }

    }

    /** Forwarding of Amplitude Experiment's client requests; off until a URL is set. */
    public static class Experiment {

        /** Base URL of remote evaluation, such as https://api.lab.amplitude.com. */
        private @Nullable URI url;

        /** Base URL of flag configurations, such as https://flag.lab.amplitude.com. */
        private @Nullable URI flagsUrl;

        /** How long one forwarded request may take. */
        private Duration timeout = Duration.ofSeconds(10);

        public @Nullable URI getUrl() {
            return this.url;
        }

        public void setUrl(@Nullable URI url) {
            this.url = url;
        }

        public @Nullable URI getFlagsUrl() {
            return this.flagsUrl;
        }

        public void setFlagsUrl(@Nullable URI flagsUrl) {
            this.flagsUrl = flagsUrl;
        }

        public Duration getTimeout() {
            return this.timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

    }

    /** Forwarding of the browser SDK's remote configuration; off until a URL is set. */
    public static class RemoteConfig {

        /** Base URL of the configuration service, such as https://sr-client-cfg.amplitude.com. */
        private @Nullable URI url;

        public @Nullable URI getUrl() {
            return this.url;
        }

        public void setUrl(@Nullable URI url) {
            this.url = url;
        }

    }

    /** The built-in destinations. */
    public static class Destinations {

        private final Amplitude amplitude = new Amplitude();

        private final File file = new File();

        public Amplitude getAmplitude() {
            return this.amplitude;
        }

        public File getFile() {
            return this.file;
        }

    }

    /** Batching of one destination's events. */
    public static class Batch {

        /** Maximum number of events in one delivery, at least 1. */
        private int maxEvents;

        /** Maximum UTF-8 bytes of event JSON in one delivery, at least 1. */
        private long maxBytes;

        /** How long an event may wait for its batch to fill, longer than zero. */
        private Duration maxWait;

        Batch(int maxEvents, long maxBytes, Duration maxWait) {
            this.maxEvents = maxEvents;
            this.maxBytes = maxBytes;
            this.maxWait = maxWait;
        }

        public long getMaxBytes() {
            return this.maxBytes;
        }

        public void setMaxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        public int getMaxEvents() {
            return this.maxEvents;
        }

        public void setMaxEvents(int maxEvents) {
            this.maxEvents = maxEvents;
        }

        public Duration getMaxWait() {
            return this.maxWait;
        }

        public void setMaxWait(Duration maxWait) {
            this.maxWait = maxWait;
        }

        /** Rejects the values {@link BatchPolicy} would reject later, when the pipeline is built. */
        void validate(Errors errors) {
            if (this.maxEvents < 1) {
                errors.rejectValue("maxEvents", "router.batch.max-events", "must be at least 1");
            }
            if (this.maxBytes < 1) {
                errors.rejectValue("maxBytes", "router.batch.max-bytes", "must be at least 1");
            }
            if (this.maxWait.isNegative() || this.maxWait.isZero()) {
                errors.rejectValue("maxWait", "router.batch.max-wait", "must be positive");
            }
        }

        BatchPolicy toPolicy() {
            return new BatchPolicy(this.maxEvents, this.maxBytes, this.maxWait);
        }

    }

    /** The Amplitude destination. */
    public static class Amplitude {

        /** Whether to deliver events to Amplitude. */
        private boolean enabled;

        /** Base URL of Amplitude's ingestion API, or of any server that speaks it. */
        private URI url = AmplitudeDestination.DEFAULT_URL;

        /** Whether to post to /batch instead of /2/httpapi. */
        private boolean batchApi;

        /** How long one request to Amplitude may take. */
        private Duration timeout = Duration.ofSeconds(30);

        /** How long a device or user that Amplitude throttles waits before its events are retried. */
        private Duration throttlePause = Duration.ofSeconds(30);

        /** Amplitude takes at most 2000 events and 1 MB per request; the byte default leaves room for the envelope. */
        private final Batch batch = new Batch(500, 990_000, Duration.ofSeconds(1));

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public URI getUrl() {
            return this.url;
        }

        public void setUrl(URI url) {
            this.url = url;
        }

        public boolean isBatchApi() {
            return this.batchApi;
        }

        public void setBatchApi(boolean batchApi) {
            this.batchApi = batchApi;
        }

        public Duration getTimeout() {
            return this.timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public Duration getThrottlePause() {
            return this.throttlePause;
        }

        public void setThrottlePause(Duration throttlePause) {
            this.throttlePause = throttlePause;
        }

        public Batch getBatch() {
            return this.batch;
        }

        /**
         * Rejects batches larger than one request to Amplitude may be, which depends on
         * {@code batch-api}. Checked whether or not the destination is enabled.
         */
        void validateBatchLimits(Errors errors) {
            if (this.batch.getMaxEvents() > AmplitudeDestination.MAX_EVENTS_PER_REQUEST) {
                errors.rejectValue("batch.maxEvents", "router.amplitude.batch.max-events", "must be at most "
                        + AmplitudeDestination.MAX_EVENTS_PER_REQUEST + ", Amplitude's limit per request");
            }
            long maxBytes = this.batchApi ? AmplitudeDestination.MAX_BATCH_API_BYTES
                    : AmplitudeDestination.MAX_HTTP_API_BYTES;
            if (this.batch.getMaxBytes() > maxBytes) {
                errors.rejectValue("batch.maxBytes", "router.amplitude.batch.max-bytes", "must be at most "
                        + maxBytes + ", Amplitude's limit per request to " + (this.batchApi ? "/batch" : "/2/httpapi"));
            }
        }

    }

    /** The JSON Lines file destination, the embedded default. */
    public static class File {

        /**
         * Whether to append events to a local JSON Lines file. Unset, the file is on only while
         * the Amplitude destination is off.
         */
        private @Nullable Boolean enabled;

        /** The file events are appended to, one JSON object per line. */
        private Path path = Path.of("data", "events.jsonl");

        private final Batch batch = new Batch(500, 16 * 1024 * 1024, Duration.ofMillis(200));

        public @Nullable Boolean getEnabled() {
            return this.enabled;
        }

        public void setEnabled(@Nullable Boolean enabled) {
            this.enabled = enabled;
        }

        public Path getPath() {
            return this.path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

        public Batch getBatch() {
            return this.batch;
        }

    }

    /** The dead-letter store, where events go that a destination refused or that spent their retry budget. */
    public static class DeadLetters {

        /** The H2 MVStore file that keeps dead letters across restarts. */
        private Path path = Path.of("data", "dead-letters.mv");

        public Path getPath() {
            return this.path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

    }

    /** The operator endpoints: list and replay dead letters. */
    public static class Admin {

        /** Credential every admin request must send as Authorization: Bearer; the endpoints are off without it. */
        private @Nullable String token;

        /** Path under which the admin endpoints are served. */
        private String pathPrefix = "/admin";

        /**
         * Port of a separate admin server, 0 for any free port; unset serves the endpoints on the main port.
         * That server closes connections idle for 75 s, as the standalone router does.
         */
        private @Nullable Integer port;

        /** Address the separate admin server binds to. */
        private String address = "127.0.0.1";

        public @Nullable String getToken() {
            return this.token;
        }

        public void setToken(@Nullable String token) {
            this.token = token;
        }

        public String getPathPrefix() {
            return this.pathPrefix;
        }

        public void setPathPrefix(String pathPrefix) {
            this.pathPrefix = pathPrefix;
        }

        public @Nullable Integer getPort() {
            return this.port;
        }

        public void setPort(@Nullable Integer port) {
            this.port = port;
        }

        public String getAddress() {
            return this.address;
        }

        public void setAddress(String address) {
            this.address = address;
        }

    }

    /** Settings of the server SDK's {@link io.eventrouter.sdk.EventPublisher} bean. */
    public static class Sdk {

        /** API key of events built through the publisher that set none themselves. */
        private @Nullable String apiKey;

        /**
         * Base URL of an Amplitude-compatible endpoint to publish to over HTTP, such as a router
         * elsewhere; empty to publish in-process into this application's pipeline.
         */
        private @Nullable URI endpoint;

        /** Whether HTTP request bodies are gzip-compressed; only used with an endpoint. */
        private boolean compression = true;

        /** Maximum number of published events waiting for acceptance at once. */
        private int bufferCapacity = 10_000;

        /** Policy for a publish that would exceed the buffer: reject with an error, or drop and count. */
        private OverflowPolicy overflowPolicy = OverflowPolicy.REJECT;

        /** How long closing the publisher at shutdown waits for outstanding events. */
        private Duration closeTimeout = Duration.ofSeconds(10);

        public @Nullable String getApiKey() {
            return this.apiKey;
        }

        public void setApiKey(@Nullable String apiKey) {
            this.apiKey = apiKey;
        }

        public @Nullable URI getEndpoint() {
            return this.endpoint;
        }

        public void setEndpoint(@Nullable URI endpoint) {
            this.endpoint = endpoint;
        }

        public boolean isCompression() {
            return this.compression;
        }

        public void setCompression(boolean compression) {
            this.compression = compression;
        }

        public int getBufferCapacity() {
            return this.bufferCapacity;
        }

        public void setBufferCapacity(int bufferCapacity) {
            this.bufferCapacity = bufferCapacity;
        }

        public OverflowPolicy getOverflowPolicy() {
            return this.overflowPolicy;
        }

        public void setOverflowPolicy(OverflowPolicy overflowPolicy) {
            this.overflowPolicy = overflowPolicy;
        }

        public Duration getCloseTimeout() {
            return this.closeTimeout;
        }

        public void setCloseTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
        }

    }

}

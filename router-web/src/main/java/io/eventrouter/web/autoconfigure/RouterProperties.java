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
import io.eventrouter.core.pipeline.RetryPolicy;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of Event Router, under {@code router.*}.
 */
@ConfigurationProperties("router")
public class RouterProperties {

    private final Pipeline pipeline = new Pipeline();

    private final Spool spool = new Spool();

    private final Bridge bridge = new Bridge();

    private final Destinations destinations = new Destinations();

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

    /** Settings of the dispatch pipeline. */
    public static class Pipeline {

        /** Submissions each source queues in front of the acceptance stage before it responses 503. */
        private int sourceQueueCapacity = 1024;

        /** How long one delivery to a destination may take before it is retried. */
        private Duration deliveryTimeout = Duration.ofSeconds(30);

        private final Retry retry = new Retry();

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

    /** Retry budget of every destination. */
    public static class Retry {

        /** Maximum number of deliveries of one event, the first included. */
        private int maxAttempts = RetryPolicy.defaults().maxAttempts();

        /** Wait before the first retry; it doubles with each attempt. */
        private Duration initialBackoff = RetryPolicy.defaults().initialBackoff();

        /** Maximum wait between two attempts. */
        private Duration maxBackoff = RetryPolicy.defaults().maxBackoff();

        public int getMaxAttempts() {
            return this.maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getInitialBackoff() {
            return this.initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        public Duration getMaxBackoff() {
            return this.maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        RetryPolicy toPolicy() {
            return new RetryPolicy(this.maxAttempts, this.initialBackoff, this.maxBackoff);
        }

    }

    /** Settings of the spool between acceptance and dispatch. */
    public static class Spool {

        /** Maximum number of events in the in-memory spool; beyond it, ingestion responds with 503. */
        private int capacity = 100_000;

        public int getCapacity() {
            return this.capacity;
        }

        public void setCapacity(int capacity) {
            this.capacity = capacity;
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

        /** How long a client may take to send a request body before it gets a 408. */
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

        /** Maximum number of events in one delivery. */
        private int maxEvents;

        /** How long an event may wait for its batch to fill. */
        private Duration maxWait;

        Batch(int maxEvents, Duration maxWait) {
            this.maxEvents = maxEvents;
            this.maxWait = maxWait;
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

        BatchPolicy toPolicy() {
            return new BatchPolicy(this.maxEvents, this.maxWait);
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

        private final Batch batch = new Batch(500, Duration.ofSeconds(1));

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

    }

    /** The JSON Lines file destination, the embedded default. */
    public static class File {

        /** Whether to append events to a local JSON Lines file. */
        private boolean enabled = true;

        /** The file events are appended to, one JSON object per line. */
        private Path path = Path.of("data", "events.jsonl");

        private final Batch batch = new Batch(500, Duration.ofMillis(200));

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
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

}

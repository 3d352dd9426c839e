package io.eventrouter.web.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.eventrouter.core.amplitude.AmplitudeDestination;
import io.eventrouter.core.pipeline.BatchPolicy;
import io.eventrouter.core.pipeline.RetryPolicy;
import io.eventrouter.sdk.OverflowPolicy;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of Event Router, under {@code router.*}.
 */
@ConfigurationProperties("router")
public class RouterProperties {

    private final Pipeline pipeline = new Pipeline();

    private final Spool spool = new Spool();

    private final Bridge bridge = new Bridge();

    private final Destinations destinations = new Destinations();

    private final Sdk sdk = new Sdk();

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

    public Sdk getSdk() {
        return this.sdk;
    }

    /** Settings of the dispatch pipeline. */
    public static class Pipeline {

        /** Submissions each source queues in front of the acceptance stage before it answers 503. */
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

        /** Most deliveries of one event, the first included. */
        private int maxAttempts = RetryPolicy.defaults().maxAttempts();

        /** Wait before the first retry; it doubles with each attempt. */
        private Duration initialBackoff = RetryPolicy.defaults().initialBackoff();

        /** Longest wait between two attempts. */
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

        /** Most events the in-memory spool holds before ingestion answers 503. */
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

        /**
         * Port of the bridge's own server in a Servlet application; 0 picks a free port. A reactive
         * application serves the bridge on its own port instead.
         */
        private int port = 8081;

        /** Address the bridge's own server binds to in a Servlet application; empty for every interface. */
        private @Nullable String address;

        /**
         * Whether a Servlet application serves the bridge under its own port and the path prefix,
         * which must then be set, instead of on a server of its own.
         */
        private boolean shareApplicationPort;

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

    /** How a destination batches its events. */
    public static class Batch {

        /** Most events in one delivery. */
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

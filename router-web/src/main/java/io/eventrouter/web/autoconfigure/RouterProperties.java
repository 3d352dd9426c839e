package io.eventrouter.web.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.eventrouter.core.amplitude.AmplitudeDestination;
import io.eventrouter.core.pipeline.BatchPolicy;
import io.eventrouter.core.pipeline.RetryPolicy;
import io.eventrouter.core.spool.SyncPolicy;
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

        /** Submissions each source queues in front of the acceptance stage before it answers 503. */
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

        /** Kind of spool accepted events wait in: on local disk, or on the heap. */
        private Type type = Type.FILE;

        /** Directory of the file spool's log and cursor files. */
        private Path path = Path.of("data", "spool");

        /** Maximum disk space the file spool's log may take before ingestion responds with 503. */
        private DataSize maxSize = DataSize.ofGigabytes(1);

        /** Policy for forcing the file spool's appended events to disk: always, periodic or never. */
        private SyncPolicy sync = SyncPolicy.ALWAYS;

        /** How often the periodic sync policy forces the log to disk. */
        private Duration syncInterval = Duration.ofSeconds(1);

        /** How often the file spool persists each destination's position and deletes delivered segments. */
        private Duration checkpointInterval = Duration.ofSeconds(1);

        /** Most events the in-memory spool holds before ingestion answers 503. */
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

            /** A log on local disk that survives restarts and crashes; the default. */
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

}

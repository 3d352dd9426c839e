package io.eventrouter.web.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration of identity stitching, under {@code router.identity.*}. As a {@link Validator},
 * the properties check the embedded store's directory once its group is bound.
 */
@ConfigurationProperties("router.identity")
public class IdentityProperties implements Validator {

    /** Whether to stitch identities before events enter the spool. */
    private boolean enabled = true;

    /** How far apart a server event and the user's last client activity may be to share its device and session. */
    private Duration sessionWindow = Duration.ofMinutes(30);

    /**
     * How long stitching one event, or completing one Experiment user, may wait for the Redis
     * store before it passes unstitched. After one such wait the other events of the upload pass
     * at once. The embedded store responds on the calling thread and has no timeout.
     */
    private Duration storeTimeout = Duration.ofSeconds(1);

    /** The identity store: embedded for one router instance, redis for several. */
    private StoreType store = StoreType.EMBEDDED;

    private final Embedded embedded = new Embedded();

    private final Redis redis = new Redis();

    private final RequestContext requestContext = new RequestContext();

    private final FirstParty firstParty = new FirstParty();

    private final Experiment experiment = new Experiment();

    @Override
    public boolean supports(Class<?> type) {
        return type == Embedded.class || type == IdentityProperties.class;
    }

    @Override
    public void validate(Object target, Errors errors) {
        if (target instanceof Embedded embedded && embedded.isPersistent()) {
            DataPathChecks.checkDirectory(errors, "directory", embedded.getDirectory(), "data/identity");
        }
        if (target instanceof IdentityProperties identity) {
            RouterProperties.positive(errors, "storeTimeout", identity.getStoreTimeout());
            if (identity.getSessionWindow().isNegative()) {
                errors.rejectValue("sessionWindow", "range", "must not be negative");
            }
        }
    }

    public boolean isEnabled() {
        return this.enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Duration getSessionWindow() {
        return this.sessionWindow;
    }

    public void setSessionWindow(Duration sessionWindow) {
        this.sessionWindow = sessionWindow;
    }

    public Duration getStoreTimeout() {
        return this.storeTimeout;
    }

    public void setStoreTimeout(Duration storeTimeout) {
        this.storeTimeout = storeTimeout;
    }

    public StoreType getStore() {
        return this.store;
    }

    public void setStore(StoreType store) {
        this.store = store;
    }

    public Embedded getEmbedded() {
        return this.embedded;
    }

    public Redis getRedis() {
        return this.redis;
    }

    public RequestContext getRequestContext() {
        return this.requestContext;
    }

    public FirstParty getFirstParty() {
        return this.firstParty;
    }

    public Experiment getExperiment() {
        return this.experiment;
    }

    /** The kinds of identity store. */
    public enum StoreType {

        /** In the router's memory, with a file that keeps the links across restarts. */
        EMBEDDED,

        /** In Redis, shared by every router instance that connects to it. */
        REDIS

    }

    /** Settings of the embedded identity store. */
    public static class Embedded {

        /** Whether links survive a restart, in a log file under the directory. */
        private boolean persistent = true;

        /** Directory of the log file that keeps links across restarts. */
        private Path directory = Path.of("data", "identity");

        /** Most links held in memory, two per person and device pair; the oldest are dropped beyond it. */
        private int maxLinks = 1_000_000;

        public boolean isPersistent() {
            return this.persistent;
        }

        public void setPersistent(boolean persistent) {
            this.persistent = persistent;
        }

        public Path getDirectory() {
            return this.directory;
        }

        public void setDirectory(Path directory) {
            this.directory = directory;
        }

        public int getMaxLinks() {
            return this.maxLinks;
        }

        public void setMaxLinks(int maxLinks) {
            this.maxLinks = maxLinks;
        }

    }

    /** Settings of the Redis identity store. */
    public static class Redis {

        /** The Redis server, as a redis:// or rediss:// URL. */
        private String url = "redis://127.0.0.1:6379";

        /** Start of every key the store writes. */
        private String keyPrefix = "router:identity:";

        /** How long a link lives in Redis after its last write. */
        private Duration retention = Duration.ofDays(30);

        public String getUrl() {
            return this.url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getKeyPrefix() {
            return this.keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public Duration getRetention() {
            return this.retention;
        }

        public void setRetention(Duration retention) {
            this.retention = retention;
        }

    }

    /** Settings of completing the users of Experiment evaluation requests that the bridge forwards. */
    public static class Experiment {

        /**
         * Analytics API key of the project whose links complete Experiment users, as the router's
         * events carry it; users are forwarded as sent while unset.
         */
        private @Nullable String apiKey;

        public @Nullable String getApiKey() {
            return this.apiKey;
        }

        public void setApiKey(@Nullable String apiKey) {
            this.apiKey = apiKey;
        }

    }

    /** Settings of carrying a browser request's ids to the server events published while handling it. */
    public static class RequestContext {

        /** Whether server events published during a request get the device and session ids the page sent. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

    }

    /** Settings of the first-party device cookie that keeps a browser's device id stable. */
    public static class FirstParty {

        /** Whether the bridge sets the cookie and links uploads to it; needs the domains. */
        private boolean enabled;

        /** Site domains the bridge sets the cookie for, such as example.com. */
        private List<String> domains = new ArrayList<>();

        /** Name of the cookie. */
        private String cookieName = "router_did";

        /** How long after issuing the cookie the bridge renews it, at most once per interval. */
        private Duration refreshInterval = Duration.ofDays(1);

        /** How long a device id must be unseen before a new one under the same cookie counts as expired storage. */
        private Duration storageExpiryGap = Duration.ofDays(7);

        /** Name of the site's consent cookie, if it has one. */
        private @Nullable String consentCookie;

        /** Values of the consent cookie that mean the visitor refused; then no cookie is set or used. */
        private List<String> consentDeniedValues = new ArrayList<>();

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public List<String> getDomains() {
            return this.domains;
        }

        public void setDomains(List<String> domains) {
            this.domains = domains;
        }

        public String getCookieName() {
            return this.cookieName;
        }

        public void setCookieName(String cookieName) {
            this.cookieName = cookieName;
        }

        public Duration getRefreshInterval() {
            return this.refreshInterval;
        }

        public void setRefreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
        }

        public Duration getStorageExpiryGap() {
            return this.storageExpiryGap;
        }

        public void setStorageExpiryGap(Duration storageExpiryGap) {
            this.storageExpiryGap = storageExpiryGap;
        }

        public @Nullable String getConsentCookie() {
            return this.consentCookie;
        }

        public void setConsentCookie(@Nullable String consentCookie) {
            this.consentCookie = consentCookie;
        }

        public List<String> getConsentDeniedValues() {
            return this.consentDeniedValues;
        }

        public void setConsentDeniedValues(List<String> consentDeniedValues) {
            this.consentDeniedValues = consentDeniedValues;
        }

    }

}

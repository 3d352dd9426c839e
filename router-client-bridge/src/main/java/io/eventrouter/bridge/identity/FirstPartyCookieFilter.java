package io.eventrouter.bridge.identity;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Sets the router's first-party device cookie on bridge requests and puts its id in the Reactor
 * context under {@link #CONTEXT_KEY}, where {@link FirstPartyLinkingSource} finds it.
 *
 * <p>The cookie is {@code HttpOnly; Secure; SameSite=Lax}, so scripts cannot read it and
 * browsers do not cap it the way they cap storage that scripts write. Its value is
 * {@code <id>.<issued at, epoch seconds>}; the issue time lets the filter renew the cookie's
 * expiry at most once per refresh interval without keeping state. The filter does nothing for
 * hosts outside the configured domains, for requests outside the bridge's path, with
 * {@code Sec-GPC: 1}, or when the configured consent cookie says no: then it neither sets nor
 * uses the cookie.
 */
public final class FirstPartyCookieFilter implements WebFilter {

    /** The key of the first-party device id in the Reactor context. */
    public static final String CONTEXT_KEY = FirstPartyCookieFilter.class.getName() + ".deviceId";

    /** Browsers cap a cookie's lifetime at 400 days, so a longer one would be shortened anyway. */
    private static final Duration MAX_AGE = Duration.ofDays(400);

    private final Settings settings;

    private final Clock clock;

    public FirstPartyCookieFilter(Settings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        Optional<String> domain = cookieDomain(request);
        if (domain.isEmpty() || !isAllowed(request)) {
            return chain.filter(exchange);
        }
        long now = this.clock.instant().getEpochSecond();
        Optional<Issued> issued = Issued.parse(request.getCookies().getFirst(this.settings.cookieName()));
        String deviceId = issued.map(Issued::deviceId).orElseGet(() -> UUID.randomUUID().toString());
        if (issued.isEmpty() || now - issued.get().epochSecond() >= this.settings.refreshInterval().toSeconds()) {
            exchange.getResponse().addCookie(ResponseCookie.from(this.settings.cookieName(), deviceId + "." + now)
                    .domain(domain.get())
                    .path("/")
                    .maxAge(MAX_AGE)
                    .httpOnly(true)
                    .secure(true)
                    .sameSite("Lax")
                    .build());
        }
        return chain.filter(exchange)
                .contextWrite((context) -> context.put(CONTEXT_KEY, deviceId));
    }

    /** Returns the configured domain that the request's host belongs to, if any. */
    private Optional<String> cookieDomain(ServerHttpRequest request) {
        if (!request.getPath().value().startsWith(this.settings.pathPrefix())) {
            return Optional.empty();
        }
        String host = request.getURI().getHost();
        if (host == null) {
            return Optional.empty();
        }
        String lowerHost = host.toLowerCase(Locale.ROOT);
        return this.settings.domains().stream()
                .filter((domain) -> lowerHost.equals(domain) || lowerHost.endsWith("." + domain))
                .findFirst();
    }

    /** Tells whether the visitor allows the cookie: no Global Privacy Control, no refused consent. */
    private boolean isAllowed(ServerHttpRequest request) {
        if ("1".equals(request.getHeaders().getFirst("Sec-GPC"))) {
            return false;
        }
        String consentCookie = this.settings.consentCookie();
        if (consentCookie == null) {
            return true;
        }
        HttpCookie consent = request.getCookies().getFirst(consentCookie);
        return consent == null || !this.settings.consentDeniedValues().contains(consent.getValue());
    }

    /**
     * Settings of the first-party device cookie.
     *
     * @param cookieName the cookie's name
     * @param domains the site domains the cookie is set for, lowercase, such as {@code example.com};
     *        a request for a host outside them gets no cookie
     * @param pathPrefix the path under which the bridge is served; other requests are left alone
     * @param refreshInterval how long after issuing the cookie it is renewed, at most once per interval
     * @param consentCookie the name of a consent cookie, or null when the site has none
     * @param consentDeniedValues values of the consent cookie that mean the visitor refused
     */
    public record Settings(String cookieName, List<String> domains, String pathPrefix, Duration refreshInterval,
            @Nullable String consentCookie, List<String> consentDeniedValues) {

        public Settings {
            Objects.requireNonNull(cookieName, "cookieName");
            if (!cookieName.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("cookieName must be letters, digits, '_' or '-', but was '"
                        + cookieName + "'");
            }
            domains = domains.stream().map((domain) -> domain.toLowerCase(Locale.ROOT)).toList();
            Objects.requireNonNull(pathPrefix, "pathPrefix");
            if (refreshInterval.isNegative()) {
                throw new IllegalArgumentException("refreshInterval must not be negative, but was " + refreshInterval);
            }
            consentDeniedValues = List.copyOf(consentDeniedValues);
        }

    }

    /** A cookie value as issued: the device id and when it was issued. */
    private record Issued(String deviceId, long epochSecond) {

        static Optional<Issued> parse(@Nullable HttpCookie cookie) {
            if (cookie == null) {
                return Optional.empty();
            }
            String value = cookie.getValue();
            int dot = value.lastIndexOf('.');
            if (dot < 1 || dot > 64) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Issued(value.substring(0, dot), Long.parseLong(value.substring(dot + 1))));
            }
            catch (NumberFormatException ex) {
                return Optional.empty();
            }
        }

    }

}

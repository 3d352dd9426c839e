package io.eventrouter.bridge.proxy;

import java.time.Duration;
import java.util.List;

import io.eventrouter.core.amplitude.AmplitudeResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.cors.reactive.DefaultCorsProcessor;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.core.publisher.Mono;

/**
 * Applies CORS to every response under the bridge's paths, errors included, and handles preflights
 * itself, so that a browser on another origin can read each response and its SDK can react to it.
 *
 * <p>It is a {@link WebFilter} rather than a filter on the bridge's routes because WebFlux
 * handles preflights before any route runs. Paths outside the bridge pass through untouched, so
 * an application that embeds the router keeps its own CORS rules. Built on Spring's
 * {@link DefaultCorsProcessor}, which also adds {@code Vary: Origin}.
 */
public final class CorsPolicy implements WebFilter {

    private final List<PathPattern> paths;

    /** Paths the bridge serves with POST only and shares with the application's other methods. */
    private final List<PathPattern> postOnlyPaths;

    /** Configuration for preflights, which allows only GET and POST, the methods the bridge serves. */
    private final CorsConfiguration preflights;

    /**
     * Configuration for the other requests, which allows any method. A method that the route does
     * not serve then gets the route's own 405, which the page can read, and not a 403 that only
     * requests with {@code Origin} would get.
     */
    private final CorsConfiguration requests;

    private final DefaultCorsProcessor processor = new DefaultCorsProcessor();

    /**
     * @param paths the bridge's path patterns, such as {@code /amplitude/2/httpapi}; the policy covers only these
     * @param allowedOrigins origin patterns as {@link CorsConfiguration#setAllowedOriginPatterns}
     *        reads them, such as {@code https://*.example.com}; {@code *} allows every origin
     * @param maxAge how long a browser may cache a preflight's result
     */
    public CorsPolicy(List<String> paths, List<String> allowedOrigins, Duration maxAge) {
        this(paths, List.of(), allowedOrigins, maxAge);
    }

    /**
     * @param postOnlyPaths patterns the policy covers for POST requests and their preflights
     *        only, such as the legacy upload's {@code /} at the root, whose other methods belong to
     *        the application and keep its CORS rules
     */
    public CorsPolicy(List<String> paths, List<String> postOnlyPaths, List<String> allowedOrigins, Duration maxAge) {
        this.paths = paths.stream().map(PathPatternParser.defaultInstance::parse).toList();
        this.postOnlyPaths = postOnlyPaths.stream().map(PathPatternParser.defaultInstance::parse).toList();
        CorsConfiguration configuration = new CorsConfiguration();
        configuration.setAllowedOriginPatterns(allowedOrigins);
        configuration.setAllowedMethods(List.of(HttpMethod.GET.name(), HttpMethod.POST.name()));
        // SDKs send custom headers: amplitude-js sends Cross-Origin-Resource-Policy, Experiment
        // sends Authorization and X-Amp-Exp-*, apps add their own.
        configuration.addAllowedHeader(CorsConfiguration.ALL);
        configuration.setMaxAge(maxAge);
        this.preflights = configuration;
        this.requests = new CorsConfiguration(configuration);
        this.requests.setAllowedMethods(List.of(CorsConfiguration.ALL));
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
        boolean preflight = CorsUtils.isPreFlightRequest(exchange.getRequest());
        if (this.paths.stream().noneMatch((pattern) -> pattern.matches(path))
                && !(isPost(exchange, preflight) && this.postOnlyPaths.stream().anyMatch((pattern) -> pattern.matches(path)))) {
            return chain.filter(exchange);
        }
        if (!this.processor.process(preflight ? this.preflights : this.requests, exchange)) {
            return forbidden(exchange.getResponse());
        }
        if (preflight) {
            exchange.getResponse().setStatusCode(HttpStatus.NO_CONTENT);
            return exchange.getResponse().setComplete();
        }
        return chain.filter(exchange);
    }

    /** Tells whether the request is a POST, or a preflight for one. */
    private static boolean isPost(ServerWebExchange exchange, boolean preflight) {
        String method = preflight
                ? exchange.getRequest().getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD)
                : exchange.getRequest().getMethod().name();
        return HttpMethod.POST.name().equals(method);
    }

    private static Mono<Void> forbidden(ServerHttpResponse response) {
        byte[] body = AmplitudeResponse.error(403, "Forbidden").build().toBytes();
        response.setStatusCode(HttpStatus.FORBIDDEN);
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

}

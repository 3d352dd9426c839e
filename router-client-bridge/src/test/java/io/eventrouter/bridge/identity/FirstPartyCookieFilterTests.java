package io.eventrouter.bridge.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class FirstPartyCookieFilterTests {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    private static final String UPLOAD = "https://www.example.com/amplitude/2/httpapi";

    private final FirstPartyCookieFilter filter = new FirstPartyCookieFilter(
            new FirstPartyCookieFilter.Settings("router_did", List.of("Example.com"), "/amplitude",
                    Duration.ofDays(1), "consent", List.of("deny")),
            Clock.fixed(NOW, ZoneOffset.UTC));

    /** The first-party id the handler saw in its Reactor context, or "none". */
    private final AtomicReference<String> seenId = new AtomicReference<>();

    private final WebFilterChain chain = (exchange) -> Mono.deferContextual((context) -> {
        this.seenId.set(context.getOrDefault(FirstPartyCookieFilter.CONTEXT_KEY, "none"));
        return Mono.empty();
    });

    @Test
    void setsAnHttpOnlySecureLaxCookieForTheSitesDomain() {
        MockServerWebExchange exchange = filter(MockServerHttpRequest.post(UPLOAD));

        ResponseCookie cookie = exchange.getResponse().getCookies().getFirst("router_did");
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.isSecure()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Lax");
        assertThat(cookie.getDomain()).isEqualTo("example.com");
        assertThat(cookie.getValue()).isEqualTo(this.seenId.get() + "." + NOW.getEpochSecond());
    }

    @Test
    void usesTheIdOfAnExistingCookieWithoutRenewingItWithinTheInterval() {
        MockServerWebExchange exchange = filter(MockServerHttpRequest.post(UPLOAD)
                .cookie(new HttpCookie("router_did", "fp-1." + (NOW.getEpochSecond() - 3_600))));

        assertThat(exchange.getResponse().getCookies()).isEmpty();
        assertThat(this.seenId.get()).isEqualTo("fp-1");
    }

    @Test
    void renewsTheCookieWithTheSameIdAfterTheInterval() {
        MockServerWebExchange exchange = filter(MockServerHttpRequest.post(UPLOAD)
                .cookie(new HttpCookie("router_did", "fp-1." + (NOW.getEpochSecond() - 2 * 86_400))));

        assertThat(exchange.getResponse().getCookies().getFirst("router_did").getValue())
                .isEqualTo("fp-1." + NOW.getEpochSecond());
    }

    @Test
    void leavesHostsOutsideTheConfiguredDomainsAlone() {
        MockServerWebExchange exchange = filter(
                MockServerHttpRequest.post("https://tracker.example.org/amplitude/batch"));

        assertThat(exchange.getResponse().getCookies()).isEmpty();
        assertThat(this.seenId.get()).isEqualTo("none");
    }

    @Test
    void neitherSetsNorUsesTheCookieWithGlobalPrivacyControl() {
        MockServerWebExchange exchange = filter(MockServerHttpRequest.post(UPLOAD)
                .header("Sec-GPC", "1")
                .cookie(new HttpCookie("router_did", "fp-1." + NOW.getEpochSecond())));

        assertThat(exchange.getResponse().getCookies()).isEmpty();
        assertThat(this.seenId.get()).isEqualTo("none");
    }

    @Test
    void neitherSetsNorUsesTheCookieWhenConsentIsDenied() {
        MockServerWebExchange exchange = filter(MockServerHttpRequest.post(UPLOAD)
                .cookie(new HttpCookie("consent", "deny")));

        assertThat(exchange.getResponse().getCookies()).isEmpty();
        assertThat(this.seenId.get()).isEqualTo("none");
    }

    @Test
    void leavesRequestsOutsideTheBridgeAlone() {
        MockServerWebExchange exchange = filter(MockServerHttpRequest.post("https://www.example.com/checkout"));

        assertThat(exchange.getResponse().getCookies()).isEmpty();
    }

    private MockServerWebExchange filter(MockServerHttpRequest.BaseBuilder<?> request) {
        MockServerWebExchange exchange = MockServerWebExchange.from(request);
        this.filter.filter(exchange, this.chain).block();
        return exchange;
    }

}

package io.eventrouter.bridge.privacy;

import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.http.codec.HttpMessageReader;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.ServerRequest;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressResolverTests {

    private static final ClientAddressResolver RESOLVER = new ClientAddressResolver(
            TrustedProxies.of(List.of("10.0.0.0/8")));

    private static ServerRequest request(String peer, String header, String value) {
        MockServerHttpRequest request = MockServerHttpRequest.post("/2/httpapi")
                .remoteAddress(new InetSocketAddress(peer, 40000))
                .header(header, value)
                .build();
        List<HttpMessageReader<?>> readers = HandlerStrategies.withDefaults().messageReaders();
        return ServerRequest.create(MockServerWebExchange.from(request), readers);
    }

    @Test
    void ignoresForwardedHeadersFromAnUntrustedPeer() {
        assertThat(RESOLVER.resolve(request("198.51.100.1", "X-Forwarded-For", "203.0.113.5")))
                .contains("198.51.100.1");
    }

    @Test
    void takesTheFirstUntrustedHopFromTheRight() {
        assertThat(RESOLVER.resolve(request("10.0.0.1", "X-Forwarded-For", "1.2.3.4, 203.0.113.5, 10.0.0.7")))
                .contains("203.0.113.5");
    }

    @Test
    void readsTheForwardedHeaderWithQuotesAndPorts() {
        assertThat(RESOLVER.resolve(request("10.0.0.1", "Forwarded",
                "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"")))
                .contains("2001:db8:cafe::17");
    }

    @Test
    void keepsPeerForUnknownHop() {
        assertThat(RESOLVER.resolve(request("10.0.0.1", "Forwarded", "for=unknown"))).contains("10.0.0.1");
    }

}

package io.eventrouter.bridge.privacy;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TrustedProxiesTests {

    private static InetAddress address(String literal) {
        return IpAddresses.parse(literal).orElseThrow();
    }

    @Test
    void matchesAddressesInsideACidrRange() {
        TrustedProxies proxies = TrustedProxies.of(List.of("10.1.0.0/16", "192.168.7.9", "fd00::/8"));

        assertThat(proxies.contains(address("10.1.255.3"))).isTrue();
        assertThat(proxies.contains(address("10.2.0.1"))).isFalse();
        assertThat(proxies.contains(address("192.168.7.9"))).isTrue();
        assertThat(proxies.contains(address("192.168.7.10"))).isFalse();
        assertThat(proxies.contains(address("fd12::1"))).isTrue();
        assertThat(proxies.contains(address("fe80::1"))).isFalse();
    }

    @Test
    void matchesPrefixLengthsThatEndInsideAByte() {
        TrustedProxies proxies = TrustedProxies.of(List.of("172.16.0.0/12"));

        assertThat(proxies.contains(address("172.31.255.255"))).isTrue();
        assertThat(proxies.contains(address("172.32.0.0"))).isFalse();
    }

    @Test
    void rejectsHostNamesAndBadPrefixes() {
        assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("proxy.example")))
                .withMessageContaining("'proxy.example'");
        assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33")));
    }

    @Test
    void neverResolvesNamesInForwardedHeaders() {
        assertThat(IpAddresses.parse("localhost")).isEmpty();
        assertThat(IpAddresses.parse("[::1]")).isPresent();
    }

}

package io.eventrouter.bridge.privacy;

import java.net.Inet6Address;
import java.net.InetAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class IpAddressesTests {

    @ParameterizedTest
    @CsvSource({
            "203.0.113.5, 203.0.113.5",
            "::, ::",
            "::1, ::1",
            "0:0:0:0:0:0:0:1, ::1",
            "2001:DB8:0:0:0:0:0:17, 2001:db8::17",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "fe80:0:0:0:0:0:0:0, fe80::",
            "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
            "::ffff:192.0.2.1, 192.0.2.1"
    })
    void formatsInShortForm(String literal, String expected) {
        InetAddress address = IpAddresses.parse(literal).orElseThrow();

        assertThat(IpAddresses.format(address)).isEqualTo(expected);
    }

    @Test
    void dropsTheScope() throws Exception {
        InetAddress scoped = Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 1);

        assertThat(IpAddresses.format(scoped)).isEqualTo("fe80::1");
    }

}

package io.eventrouter.bridge.privacy;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * The proxies whose forwarded headers the bridge believes, as a list of addresses and CIDR
 * ranges such as {@code 10.0.0.0/8}, {@code 127.0.0.1} or {@code fd00::/8}.
 */
public final class TrustedProxies {

    private static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /** Trusts no proxy: the client address is always the socket's peer. */
    public static TrustedProxies none() {
        return NONE;
    }

    /**
     * Parses addresses and CIDR ranges.
     *
     * @throws IllegalArgumentException for an entry that is not an IP literal with an optional prefix length
     */
    public static TrustedProxies of(List<String> entries) {
        return new TrustedProxies(entries.stream().map(Range::parse).toList());
    }

    public boolean isEmpty() {
        return this.ranges.isEmpty();
    }

    public boolean contains(InetAddress address) {
        return this.ranges.stream().anyMatch((range) -> range.contains(address));
    }

    private record Range(byte[] network, int prefixLength) {

        static Range parse(String entry) {
            Objects.requireNonNull(entry, "entry");
            int slash = entry.indexOf('/');
            String host = (slash < 0) ? entry : entry.substring(0, slash);
            InetAddress address = IpAddresses.parse(host).orElseThrow(() -> new IllegalArgumentException(
                    "A trusted proxy must be an IP address or CIDR range such as 10.0.0.0/8, but was '" + entry + "'"));
            int bits = address.getAddress().length * 8;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1).trim());
                }
                catch (NumberFormatException ex) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException("The prefix length of trusted proxy '" + entry
                            + "' must be between 0 and " + bits);
                }
            }
            return new Range(address.getAddress(), prefix);
        }

        boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != this.network.length) {
                return false;
            }
            int fullBytes = this.prefixLength / 8;
            for (int i = 0; i < fullBytes; i++) {
                if (candidate[i] != this.network[i]) {
                    return false;
                }
            }
            int remainingBits = this.prefixLength % 8;
            if (remainingBits == 0) {
                return true;
            }
            int mask = (0xFF << (8 - remainingBits)) & 0xFF;
            return (candidate[fullBytes] & mask) == (this.network[fullBytes] & mask);
        }

    }

}

package io.eventrouter.bridge.privacy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Finds the address of the client that sent a request.
 *
 * <p>The socket's peer is the client unless the peer is a trusted proxy. Only then are
 * {@code Forwarded} (RFC 7239) and, without it, {@code X-Forwarded-For} read, from the right:
 * each trusted proxy appends the address it received from, so the first address from the right
 * that is not a trusted proxy is the client. Whatever a client writes further left is never
 * believed. Boot's forwarded-header support cannot do this, because it has no list of trusted
 * proxies.
 */
public final class ClientAddressResolver {

    private final TrustedProxies trustedProxies;

    public ClientAddressResolver() {
        this(TrustedProxies.none());
    }

    public ClientAddressResolver(TrustedProxies trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    /** Returns the client's IP address as text, or empty when the request has no remote address. */
    public Optional<String> resolve(ServerRequest request) {
        Optional<InetAddress> peer = request.remoteAddress().map(InetSocketAddress::getAddress);
        if (peer.isEmpty()) {
            return Optional.empty();
        }
        InetAddress client = peer.get();
        if (!this.trustedProxies.isEmpty() && this.trustedProxies.contains(client)) {
            client = forwardedClient(request.headers().asHttpHeaders()).orElse(client);
        }
        return Optional.of(IpAddresses.format(client));
    }

    private Optional<InetAddress> forwardedClient(HttpHeaders headers) {
        List<String> chain = forwardedChain(headers);
        for (int i = chain.size() - 1; i >= 0; i--) {
            Optional<InetAddress> hop = IpAddresses.parse(chain.get(i));
            if (hop.isEmpty()) {
                // An unknown or obfuscated hop ends what can be trusted.
                return Optional.empty();
            }
            if (!this.trustedProxies.contains(hop.get())) {
                return hop;
            }
        }
        return Optional.empty();
    }

    private static List<String> forwardedChain(HttpHeaders headers) {
        List<String> chain = new ArrayList<>();
        List<String> forwarded = headers.getOrEmpty("Forwarded");
        if (!forwarded.isEmpty()) {
            for (String header : forwarded) {
                for (String element : header.split(",")) {
                    chain.add(forParameter(element));
                }
            }
            return chain;
        }
        for (String header : headers.getOrEmpty("X-Forwarded-For")) {
            for (String hop : header.split(",")) {
                chain.add(stripPort(hop.trim()));
            }
        }
        return chain;
    }

    /** Returns the address in a {@code Forwarded} element's {@code for=} parameter, without quotes or port. */
    private static String forParameter(String element) {
        for (String pair : element.split(";")) {
            String trimmed = pair.trim();
            if (trimmed.toLowerCase(Locale.ROOT).startsWith("for=")) {
                return stripPort(unquote(trimmed.substring(4).trim()));
            }
        }
        return "";
    }

    private static String unquote(String value) {
        return (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\""))
                ? value.substring(1, value.length() - 1) : value;
    }

    private static String stripPort(String node) {
        if (node.startsWith("[")) {
            int end = node.indexOf(']');
            return (end > 0) ? node.substring(0, end + 1) : node;
        }
        int colon = node.indexOf(':');
        return (colon > 0 && node.indexOf(':', colon + 1) < 0) ? node.substring(0, colon) : node;
    }

}

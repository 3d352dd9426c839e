package io.eventrouter.bridge.privacy;

import java.net.InetSocketAddress;
import java.util.Optional;

import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Finds the address of the client that sent a request.
 *
 * <p>This resolver trusts only the socket: it never reads {@code X-Forwarded-For} or
 * {@code Forwarded}, because any client can set those headers.
 */
public final class ClientAddressResolver {

    /** Returns the client's IP address as text, or empty when the request has no remote address. */
    public Optional<String> resolve(ServerRequest request) {
        return request.remoteAddress()
                .map(InetSocketAddress::getAddress)
                .map((address) -> address.getHostAddress());
    }

}

package io.eventrouter.web.autoconfigure;

import org.jspecify.annotations.Nullable;

/**
 * Signals that the client bridge's own server in a Servlet application could not listen on its
 * address and port, most often because another process already uses the port.
 */
final class BridgeServerBindException extends RuntimeException {

    private final @Nullable String address;

    private final int port;

    /** @param address the address the server tried to bind, or {@code null} for every interface */
    BridgeServerBindException(@Nullable String address, int port, Throwable cause) {
        super("The client bridge's server could not listen on " + endpoint(address, port) + ": " + reason(cause),
                cause);
        this.address = address;
        this.port = port;
    }

    /** Returns the address and port as the message shows them, with the properties that set them. */
    private static String endpoint(@Nullable String address, int port) {
        if (address == null) {
            return "port " + port + " of every interface (router.bridge.port)";
        }
        return address + ":" + port + " (router.bridge.address and router.bridge.port)";
    }

    /** Returns the message of the root cause, such as "Address already in use", which names the reason. */
    private static String reason(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    @Nullable String address() {
        return this.address;
    }

    int port() {
        return this.port;
    }

}

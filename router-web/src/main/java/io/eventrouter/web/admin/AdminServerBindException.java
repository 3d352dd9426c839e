package io.eventrouter.web.admin;

/**
 * Signals that the separate admin server could not listen on its address and port, most often
 * because another process, or the router's own main port, already uses the port.
 */
final class AdminServerBindException extends RuntimeException {

    private final String address;

    private final int port;

    AdminServerBindException(String address, int port, Throwable cause) {
        super("The admin server could not listen on " + address + ":" + port + " (router.admin.address and "
                + "router.admin.port): " + reason(cause), cause);
        this.address = address;
        this.port = port;
    }

    /** Returns the message of the deepest cause, such as "Address already in use", which names the reason. */
    private static String reason(Throwable cause) {
        Throwable deepest = cause;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        return String.valueOf(deepest.getMessage());
    }

    String address() {
        return this.address;
    }

    int port() {
        return this.port;
    }

}

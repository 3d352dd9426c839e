package io.eventrouter.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A check that a server closes a connection that stops in the middle of its headers. */
public final class StalledConnections {

    /** Far longer than the idle timeouts the tests set: a read that times out means the server kept the connection. */
    private static final int READ_TIMEOUT_MILLIS = 20_000;

    private StalledConnections() {
    }

    /**
     * Sends the start of a request's headers to {@code port} on 127.0.0.1 and asserts that the
     * server closes the connection before {@value #READ_TIMEOUT_MILLIS} ms.
     */
    public static void assertClosed(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);

            InputStream in = socket.getInputStream();
            int read;
            try {
                read = in.read(new byte[256]);
            }
            catch (SocketTimeoutException ex) {
                throw new AssertionError("The server kept a connection stalled in its headers for 20 s", ex);
            }
            catch (IOException ex) {
                // A reset closes it too.
                read = -1;
            }

            assertThat(read).as("bytes read before the server closed the connection").isEqualTo(-1);
        }
    }

}

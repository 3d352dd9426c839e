package io.eventrouter.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks that a server closes a connection that stops in the middle of its headers or its body. */
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

    /**
     * Sends {@code request} to {@code port} on 127.0.0.1, headers that declare a longer body than
     * the request carries, and then nothing more. Returns what the server sends before it closes the
     * connection, and fails if it keeps the connection for {@value #READ_TIMEOUT_MILLIS} ms.
     */
    public static String responseToStalledBody(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);

            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            byte[] chunk = new byte[256];
            try {
                for (int read = in.read(chunk); read != -1; read = in.read(chunk)) {
                    response.write(chunk, 0, read);
                }
            }
            catch (SocketTimeoutException ex) {
                throw new AssertionError("The server kept a connection stalled in its body for 20 s, after sending: "
                        + response.toString(StandardCharsets.US_ASCII), ex);
            }
            return response.toString(StandardCharsets.US_ASCII);
        }
    }

}

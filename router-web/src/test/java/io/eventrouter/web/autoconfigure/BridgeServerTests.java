package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.eventrouter.bridge.ClientBridge;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bridge's own server in Servlet applications bounds the connections it keeps open. */
class BridgeServerTests {

    private BridgeServer server;

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.stop();
        }
    }

    @Test
    void closesConnectionStalledInItsHeaders() throws IOException {
        this.server = new BridgeServer(ClientBridge.builder(new NeverSource()).build(), "127.0.0.1", 0,
                Duration.ofSeconds(1));
        this.server.start();

        try (Socket socket = new Socket("127.0.0.1", this.server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Far longer than the idle timeout: a read that times out means the server kept the connection.
            socket.setSoTimeout(20_000);

            InputStream in = socket.getInputStream();
            int read;
            try {
                read = in.read(new byte[256]);
            }
            catch (SocketTimeoutException ex) {
                throw new AssertionError("The bridge server kept a connection stalled in its headers for 20 s", ex);
            }
            catch (IOException ex) {
                // A reset closes it too.
                read = -1;
            }

            assertThat(read).as("bytes read before the server closed the connection").isEqualTo(-1);
        }
    }

}

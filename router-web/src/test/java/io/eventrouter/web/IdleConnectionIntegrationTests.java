package io.eventrouter.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The standalone router closes connections that stay idle or stall in their headers. */
class IdleConnectionIntegrationTests {

    @TempDir
    private Path directory;

    @Test
    void standaloneDefaultsBoundIdleConnections() {
        assertThat(EventRouterApplication.defaultProperties()).containsEntry("server.netty.idle-timeout", "75s");
        assertThat(EventRouterApplication.defaultProperties())
                .containsEntry("logging.level.reactor.netty.http.server.HttpServerOperations", "error");
    }

    @Test
    void closesConnectionStalledInItsHeaders() throws IOException {
        List<String> jvmOptions = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");
        try (RouterProcess router = RouterProcess.start("idle-connection", jvmOptions,
                Map.of("server.netty.idle-timeout", "1s",
                        "router.spool.path", this.directory.resolve("spool").toString(),
                        "router.dead-letters.path", this.directory.resolve("dead-letters.mv.db").toString(),
                        "router.identity.embedded.directory", this.directory.resolve("identity").toString(),
                        "router.destinations.file.path", this.directory.resolve("events.jsonl").toString()));
                Socket socket = new Socket("127.0.0.1", router.uri("/").getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Far longer than the idle timeout: a read that times out means the router kept the connection.
            socket.setSoTimeout(20_000);

            InputStream in = socket.getInputStream();
            int read;
            try {
                read = in.read(new byte[256]);
            }
            catch (SocketTimeoutException ex) {
                throw new AssertionError("The router kept a connection stalled in its headers for 20 s", ex);
            }
            catch (IOException ex) {
                // A reset closes it too.
                read = -1;
            }

            assertThat(read).as("bytes read before the router closed the connection").isEqualTo(-1);
        }
    }

}

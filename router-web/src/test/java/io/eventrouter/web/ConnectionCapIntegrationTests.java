package io.eventrouter.web;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.bridge.throttle.ConnectionLimit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bridge's connection cap on the standalone router's own server, where other channel
 * configurers share the server with it.
 */
@SpringBootTest(classes = EventRouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "router.bridge.limits.max-connections=4" })
class ConnectionCapIntegrationTests {

    private static final String UPLOAD = "{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"play\","
            + "\"device_id\":\"device-1\"}]}";

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void eventFile(DynamicPropertyRegistry registry) {
        registry.add("router.destinations.file.path", () -> folder.resolve("events.jsonl").toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    ClientBridge bridge;

    @Test
    void servesCapThenRefusesNext() throws IOException {
        ConnectionLimit limit = this.bridge.connectionLimit().orElseThrow();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                sockets.add(connect());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> limit.openConnections() == 4);
            for (Socket socket : sockets) {
                assertThat(post(socket)).startsWith("HTTP/1.1 200");
            }
            try (Socket fifth = connect()) {
                assertThat(post(fifth)).startsWith("HTTP/1.1 429");
            }
        }
        finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", this.port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Posts one upload and reads its response's status line and headers. */
    private static String post(Socket socket) throws IOException {
        byte[] body = UPLOAD.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int next = in.read();
            if (next < 0) {
                break;
            }
            head.append((char) next);
        }
        return head.toString();
    }

}

package io.eventrouter.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests clients whose connection goes wrong during a request body: one that closes it halfway, as
 * a browser leaving a page does, one that sends a body Netty cannot decode, and one that stops
 * sending. The bridge logs no server error for any of them and submits nothing.
 */
class ClientDisconnectIntegrationTests {

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    private BridgeServer server;

    @BeforeEach
    void captureLogs() {
        this.logs.start();
        this.root.addAppender(this.logs);
    }

    @AfterEach
    void stop() {
        this.root.detachAppender(this.logs);
        if (this.server != null) {
            this.server.close();
        }
    }

    @Test
    void bodyCutShortLogsNoError() throws IOException {
        this.server = BridgeServer.start();
        URI base = URI.create(this.server.baseUrl());

        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 200\r\n\r\n{\"api_key\":\"key-1234567890\",\"ev").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        // Before the fix, the ERROR line appeared within milliseconds of the close.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> errors().isEmpty());
        assertThat(this.server.source().events()).isEmpty();
    }

    @Test
    void malformedChunkLogsNoError() throws IOException {
        this.server = BridgeServer.start();
        URI base = URI.create(this.server.baseUrl());

        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();

            // Netty responds to the bad chunk size itself, so the bridge's own 400 finds the status sent.
            assertThat(statusLine(socket)).isEqualTo("HTTP/1.1 400 Bad Request");
        }

        // Without the response guard, a 500 with a stack trace is logged at ERROR.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> errors().isEmpty());
        assertThat(this.server.source().events()).isEmpty();
    }

    @Test
    void bodyTimeoutClosesConnection() throws IOException {
        this.server = BridgeServer.start((builder) -> builder.readTimeout(Duration.ofMillis(300)));
        URI base = URI.create(this.server.baseUrl());
        String body = "{\"api_key\":\"key-1234567890\",\"events\":[{\"event_type\":\"e\",\"device_id\":\"device-1\"}]}";

        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (body.length() + 10) + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            // The rest of the body might still come and would be read as the next request, so the
            // connection closes after the 408.
            assertThat(statusLine(socket)).isEqualTo("HTTP/1.1 408 Request Timeout");
            InputStream in = socket.getInputStream();
            while (in.read() != -1) {
                // The headers and body of the 408, up to the close.
            }
        }
        assertThat(this.server.source().events()).isEmpty();
    }

    private static String statusLine(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int next = in.read(); next != -1 && next != '\r'; next = in.read()) {
            line.append((char) next);
        }
        return line.toString();
    }

    private List<ILoggingEvent> errors() {
        return this.logs.list.stream().filter((event) -> event.getLevel().isGreaterOrEqual(Level.ERROR)).toList();
    }

}

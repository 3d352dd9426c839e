package io.eventrouter.bridge;

import java.io.IOException;
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
 * Tests a client that closes its connection halfway through a request body, as a browser leaving
 * a page does. The bridge logs no server error for it and submits nothing.
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

    private List<ILoggingEvent> errors() {
        return this.logs.list.stream().filter((event) -> event.getLevel().isGreaterOrEqual(Level.ERROR)).toList();
    }

}

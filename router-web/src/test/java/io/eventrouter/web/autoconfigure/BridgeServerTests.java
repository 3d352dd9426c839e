package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.time.Duration;

import io.eventrouter.bridge.ClientBridge;
import io.eventrouter.web.StalledConnections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

        StalledConnections.assertClosed(this.server.port());
    }

}

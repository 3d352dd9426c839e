package io.eventrouter.core.identity.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import io.eventrouter.core.identity.DeviceLink;
import io.eventrouter.core.identity.IdentityStore;
import io.eventrouter.core.identity.IdentityStoreContractTests;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class RedisIdentityStoreIntegrationTests extends IdentityStoreContractTests {

    private static final String PREFIX = "test:identity:";

    private static LocalRedisServer server;

    /** Shared by the tests because a Lettuce client takes about a second to start and stop. */
    private static IdentityStore sharedStore;

    @BeforeAll
    static void startServer() {
        server = LocalRedisServer.start();
        sharedStore = connect();
    }

    @AfterAll
    static void stopServer() {
        if (sharedStore != null) {
            sharedStore.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected IdentityStore createStore() {
        return sharedStore;
    }

    @Override
    protected void release(IdentityStore store) {
    }

    @Test
    void writesKeysUnderThePrefixWithAnExpiry() {
        recordLink("device-1", "alice", 1_000);

        String key = PREFIX + this.scope.value() + ":d:device-1";
        RedisClient client = RedisClient.create(uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().hget(key, "v")).isEqualTo("alice");
            assertThat(connection.sync().pttl(key)).isPositive();
        }
        finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void sharesLinksBetweenInstances() {
        recordLink("device-1", "alice", 1_000);

        try (IdentityStore otherInstance = connect()) {
            assertThat(otherInstance.findDeviceLink(this.scope, "device-1").block(Duration.ofSeconds(5)))
                    .isEqualTo(new DeviceLink("alice", 1_000));
        }
    }

    @Test
    void signalsErrorsWhileTheServerIsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        try (IdentityStore unreachable = RedisIdentityStore.connect(RedisURI.create("127.0.0.1", closedPort), PREFIX,
                Duration.ofDays(1))) {
            assertThatExceptionOfType(RedisConnectionException.class)
                    .isThrownBy(() -> unreachable.findDeviceLink(this.scope, "device-1").block(Duration.ofSeconds(10)));
        }
    }

    private static IdentityStore connect() {
        return RedisIdentityStore.connect(uri(), PREFIX, Duration.ofDays(30));
    }

    private static RedisURI uri() {
        return RedisURI.create("127.0.0.1", server.port());
    }

}

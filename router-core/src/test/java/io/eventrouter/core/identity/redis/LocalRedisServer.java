package io.eventrouter.core.identity.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import static org.awaitility.Awaitility.await;

/**
 * A {@code redis-server} process that a test starts on a free loopback port and stops by its own
 * process handle. Debian's {@code redis-server} package installs the binary but starts nothing.
 *
 * <p>Without the binary the test is skipped, except in CI (environment variable {@code CI=true}),
 * where a missing server is a broken build and fails the test instead.
 */
final class LocalRedisServer implements AutoCloseable {

    private final Process process;

    private final int port;

    private LocalRedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a server without persistence and waits until it accepts connections. */
    static LocalRedisServer start() {
        Path binary = findBinary().orElse(null);
        if (binary == null) {
            String message = "redis-server is not installed; install Debian's package with "
                    + "'apt-get install -y redis-server'";
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(message);
            }
            Assumptions.abort(message);
        }
        int port = freePort();
        try {
            Process process = new ProcessBuilder(binary.toString(), "--bind", "127.0.0.1", "--port",
                    Integer.toString(port), "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            LocalRedisServer server = new LocalRedisServer(process, port);
            server.awaitListening();
            return server;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot start " + binary, ex);
        }
    }

    int port() {
        return this.port;
    }

    private void awaitListening() {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (!this.process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + this.process.exitValue());
            }
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
                return true;
            }
            catch (IOException ex) {
                return false;
            }
        });
    }

    private static Optional<Path> findBinary() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin");
        return Arrays.stream((path + ":/usr/bin:/usr/sbin").split(":"))
                .map((directory) -> Path.of(directory, "redis-server"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot find a free port", ex);
        }
    }

    /** Stops the server process this instance started, forcibly when it does not stop in time. */
    @Override
    public void close() {
        this.process.destroy();
        try {
            if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
                this.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException ex) {
            this.process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

}

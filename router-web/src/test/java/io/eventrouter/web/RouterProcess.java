package io.eventrouter.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The router's standalone application running in a child JVM, so that a test can kill it the way
 * an operating system would. It runs the main class on the test's own class path and writes its
 * output to a file beside the spool.
 */
final class RouterProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private static final int LOG_TAIL_LINES = 20;

    private final Process process;

    private final int port;

    private final Path log;

    private RouterProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the router with the given JVM options and {@code router.*} or Spring properties and
     * waits until it answers HTTP. Its output goes to {@code target/router-logs/<name>.log}.
     */
    static RouterProcess start(String name, List<String> jvmOptions, Map<String, String> properties) {
        Path log = Path.of("target", "router-logs", name + ".log");
        try {
            Files.createDirectories(log.getParent());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(EventRouterApplication.class.getName());
        command.add("--server.port=" + port);
        command.add("--server.address=127.0.0.1");
        properties.forEach((key, value) -> command.add("--" + key + "=" + value));
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            RouterProcess router = new RouterProcess(process, port, log);
            router.awaitReady();
            return router;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private void awaitReady() {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest probe = HttpRequest.newBuilder(uri("/")).timeout(Duration.ofSeconds(2)).GET().build();
        await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            if (!this.process.isAlive()) {
                throw new IllegalStateException("The router exited during start-up with " + this.process.exitValue());
            }
            return client.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() > 0;
        });
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + this.port + path);
    }

    /** Sends a GET to the router and returns the body of its 200 response. */
    String get(String path) {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during GET " + path, ex);
        }
    }

    boolean isAlive() {
        return this.process.isAlive();
    }

    /**
     * Describes the process for a failure message: on the first line whether it runs or how it
     * exited, then the last lines of its log.
     */
    String describe() {
        String state = this.process.isAlive() ? "running" : "exited with status " + this.process.exitValue();
        try {
            List<String> lines = Files.readAllLines(this.log);
            return state + "; the end of " + this.log + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        }
        catch (IOException ex) {
            return state + "; its log is unreadable: " + ex;
        }
    }

    /** Sends SIGKILL: the process gets no chance to flush or clean up. */
    void kill() {
        this.process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** Sends SIGTERM, which starts the router's graceful shutdown, and returns the exit status. */
    int terminate(Duration timeout) {
        this.process.destroy();
        return awaitExit(timeout);
    }

    private int awaitExit(Duration timeout) {
        try {
            if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                this.process.destroyForcibly();
                throw new IllegalStateException("The router did not exit within " + timeout);
            }
            return this.process.exitValue();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close() {
        if (this.process.isAlive()) {
            this.process.destroyForcibly();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

}

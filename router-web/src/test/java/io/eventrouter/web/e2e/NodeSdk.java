package io.eventrouter.web.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Drives {@code @amplitude/analytics-node}, unmodified, by running
 * {@code send-with-node-sdk.mjs} from the JavaScript test folder with {@code node}.
 *
 * <p>The request goes to the script as JSON on standard input and the SDK's results come
 * back as JSON on standard output. The script's standard error, which carries the SDK's
 * log, goes to this class's logger line by line.
 */
public final class NodeSdk {

    /** Script that runs the SDK, relative to the JavaScript test folder. */
    public static final String SCRIPT = "send-with-node-sdk.mjs";

    /**
     * Time that one run may take before the {@code node} process is destroyed. The SDK
     * retries an upload that fails with HTTP 5xx or without a response up to
     * {@code flushMaxRetries} times (12 by default in 1.5.73), waiting one second longer
     * before each retry. Those waits add up to 66 s, so a test that expects failures
     * should set {@code flushMaxRetries} to 1 through {@link SdkRequest#withInitOptions}.
     */
    public static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration DESTROY_GRACE = Duration.ofSeconds(5);

    // Lines of standard error that an exception message repeats. The log has all of them.
    private static final int STDERR_TAIL_LINES = 40;

    private static final Logger logger = LoggerFactory.getLogger(NodeSdk.class);

    private static final JsonMapper jsonMapper = JsonMapper.builder().build();

    private NodeSdk() {
    }

    private record ScriptOutput(List<SdkResult> results) {
    }

    /**
     * Tracks {@code eventTypes} for {@code userId}, then identifies the user with
     * {@link SdkRequest#DEFAULT_USER_PROPERTIES}, and returns the result that the SDK
     * reported for each call.
     *
     * @see #trackAndIdentify(SdkRequest)
     */
    public static List<SdkResult> trackAndIdentify(String serverUrl, String apiKey, String userId,
            List<String> eventTypes) {
        return trackAndIdentify(SdkRequest.of(serverUrl, apiKey, userId, userId + "-device", eventTypes));
    }

    /**
     * Runs {@code request} with the node SDK's {@code track}, {@code identify} and
     * {@code flush} and returns the SDK's result for each tracked event, in request order,
     * and then for the identify.
     *
     * @throws IllegalStateException if {@code node} cannot start, the script exits with a
     * non-zero status or prints invalid JSON, or the run takes longer than
     * {@link #RUN_TIMEOUT}
     */
    public static List<SdkResult> trackAndIdentify(SdkRequest request) {
        return trackAndIdentify(request, RUN_TIMEOUT);
    }

    /**
     * Same as {@link #trackAndIdentify(SdkRequest)}, but destroys the {@code node}
     * process after {@code timeout}.
     */
    public static List<SdkResult> trackAndIdentify(SdkRequest request, Duration timeout) {
        Path jsTestDirectory = SdkPageServer.resolveJsTestDirectory();
        Path script = jsTestDirectory.resolve(SCRIPT);
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException(script + " is missing. Set -D" + SdkPageServer.JS_TEST_DIR_PROPERTY
                    + " to the folder that contains it.");
        }
        Process process = start(script, jsTestDirectory);
        // One thread for each pipe, so neither pipe can fill up and stall node while the
        // other is read. The common pool may have only one thread on a two-core machine.
        ExecutorService pipeReaders = Executors.newFixedThreadPool(2, (task) -> {
            Thread thread = new Thread(task, "node-sdk-pipe-" + process.pid());
            thread.setDaemon(true);
            return thread;
        });
        try {
            String stdout = run(process, pipeReaders, jsonMapper.writeValueAsString(request), timeout);
            return parse(stdout).results();
        }
        finally {
            process.destroyForcibly();
            pipeReaders.shutdownNow();
        }
    }

    private static Process start(Path script, Path workingDirectory) {
        ProcessBuilder builder = new ProcessBuilder("node", script.toString()).directory(workingDirectory.toFile());
        try {
            return builder.start();
        }
        catch (IOException ex) {
            throw new IllegalStateException("Failed to start 'node " + script + "'. Install Node.js "
                    + "('apt-get install -y nodejs npm') so that 'node' is on the PATH.", ex);
        }
    }

    private static String run(Process process, ExecutorService pipeReaders, String requestJson, Duration timeout) {
        long pid = process.pid();
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()),
                pipeReaders);
        CompletableFuture<List<String>> stderr = CompletableFuture
            .supplyAsync(() -> logLines(pid, process.getErrorStream()), pipeReaders);
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(requestJson.getBytes(StandardCharsets.UTF_8));
        }
        catch (IOException ex) {
            throw new IllegalStateException("Failed to write the request to node (pid " + pid + ")", ex);
        }
        boolean exited = waitFor(process, timeout);
        // Once node has exited or been destroyed, both pipes reach end of stream soon.
        String output = await(stdout, pid);
        List<String> stderrTail = await(stderr, pid);
        if (!exited) {
            throw new IllegalStateException(SCRIPT + " timed out after " + timeout.toMillis() + " ms (pid " + pid
                    + "), so it was destroyed. The SDK may be retrying failed uploads. Last lines of its "
                    + "standard error:" + indent(stderrTail));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(SCRIPT + " exited with status " + process.exitValue() + " (pid " + pid
                    + "). Last lines of its standard error:" + indent(stderrTail));
        }
        return output;
    }

    private static String indent(List<String> lines) {
        StringBuilder text = new StringBuilder();
        lines.forEach((line) -> text.append(System.lineSeparator()).append("  ").append(line));
        return text.toString();
    }

    /**
     * Waits up to {@code timeout} for {@code process} to exit, and destroys it otherwise.
     * Returns whether it exited by itself.
     */
    private static boolean waitFor(Process process, Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            process.destroy();
            if (!process.waitFor(DESTROY_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
            return false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("Interrupted while waiting for node (pid " + process.pid() + ")", ex);
        }
    }

    private static <T> T await(CompletableFuture<T> future, long pid) {
        try {
            return future.get(DESTROY_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the output of node (pid " + pid + ")", ex);
        }
        catch (ExecutionException | TimeoutException ex) {
            throw new IllegalStateException("Failed to read the output of node (pid " + pid + ")", ex);
        }
    }

    private static String readAll(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Logs each line of {@code stream} and returns the last {@value #STDERR_TAIL_LINES}.
     */
    private static List<String> logLines(long pid, InputStream stream) {
        Deque<String> tail = new ArrayDeque<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                logger.info("node (pid {}): {}", pid, line);
                if (tail.size() == STDERR_TAIL_LINES) {
                    tail.removeFirst();
                }
                tail.addLast(line);
            }
            return List.copyOf(tail);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static ScriptOutput parse(String stdout) {
        try {
            return jsonMapper.readValue(stdout, ScriptOutput.class);
        }
        catch (JacksonException ex) {
            throw new IllegalStateException(SCRIPT + " printed invalid JSON: " + stdout, ex);
        }
    }

}

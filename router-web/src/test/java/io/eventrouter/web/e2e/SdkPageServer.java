package io.eventrouter.web.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP server on {@code 127.0.0.1} and an ephemeral port that serves the pages which
 * load Amplitude's browser SDKs, and the SDK scripts themselves straight from the npm
 * {@code node_modules} folder.
 *
 * <p>The pages live in {@code pages/} of the JavaScript test folder and the scripts in
 * its {@code node_modules/}, which {@code npm ci} fills. The folder is the system
 * property {@value #JS_TEST_DIR_PROPERTY} or, without it, {@code src/test/js} of the
 * working directory, which under Surefire is the module folder.
 *
 * <p>Because this server has a port of its own, a page's origin differs from the server
 * that the SDK sends to, so every SDK request is a cross-origin request and exercises
 * CORS.
 */
public final class SdkPageServer implements AutoCloseable {

    /** System property that names the folder that contains {@code package.json} and {@code node_modules}. */
    public static final String JS_TEST_DIR_PROPERTY = "js.test.dir";

    private static final Logger logger = LoggerFactory.getLogger(SdkPageServer.class);

    private static final Map<String, String> CONTENT_TYPES = Map.of(".html", "text/html; charset=utf-8", ".js",
            "text/javascript; charset=utf-8", ".mjs", "text/javascript; charset=utf-8", ".map",
            "application/json; charset=utf-8");

    private final Path jsTestDirectory;

    private final HttpServer server;

    /**
     * Starts the server on {@code 127.0.0.1} and an ephemeral port.
     *
     * @throws IllegalStateException if a page or SDK script is missing, for example
     * because {@code npm ci} has not run in the JavaScript test folder
     */
    public SdkPageServer() {
        this.jsTestDirectory = resolveJsTestDirectory();
        for (SdkPage page : SdkPage.values()) {
            requireFile(page.pagePath(), "Check that the test sources are complete.");
            requireFile(page.scriptPath(), "Run 'npm ci' in " + this.jsTestDirectory + ".");
        }
        try {
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Failed to start the SDK page server on 127.0.0.1", ex);
        }
        this.server.createContext("/", this::handle);
        this.server.start();
        logger.info("Serving SDK pages from {} at {}", this.jsTestDirectory, baseUri());
    }

    /**
     * Returns the JavaScript test folder: the {@value #JS_TEST_DIR_PROPERTY} system
     * property if set, otherwise {@code src/test/js} of the working directory.
     */
    public static Path resolveJsTestDirectory() {
        String configured = System.getProperty(JS_TEST_DIR_PROPERTY);
        Path directory = (configured != null && !configured.isBlank()) ? Path.of(configured)
                : Path.of("src", "test", "js");
        return directory.toAbsolutePath().normalize();
    }

    private void requireFile(String relativePath, String remedy) {
        Path file = this.jsTestDirectory.resolve(relativePath);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing. " + remedy + " If the JavaScript test folder is "
                    + "elsewhere, set -D" + JS_TEST_DIR_PROPERTY + " to the folder that contains package.json.");
        }
    }

    /**
     * Returns the server's origin, for example {@code http://127.0.0.1:41234}.
     */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort());
    }

    /**
     * Returns the URL of the page that loads {@code page}'s SDK.
     */
    public URI pageUri(SdkPage page) {
        return baseUri().resolve("/" + page.pagePath());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Path file = resolveServedFile(exchange.getRequestURI().getPath());
            if (file == null) {
                logger.warn("Returned 404 for {}, which names no file under pages/ or node_modules/",
                        exchange.getRequestURI());
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().set("Content-Type", contentType(file));
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if ("HEAD".equals(method)) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        finally {
            exchange.close();
        }
    }

    /**
     * Maps a request path to a file under {@code pages/} or {@code node_modules/}, or
     * returns {@code null} when the path leaves those folders or names no file.
     */
    private Path resolveServedFile(String requestPath) {
        if (requestPath == null || !requestPath.startsWith("/")) {
            return null;
        }
        Path file = this.jsTestDirectory.resolve(requestPath.substring(1)).normalize();
        boolean allowed = file.startsWith(this.jsTestDirectory.resolve("pages"))
                || file.startsWith(this.jsTestDirectory.resolve("node_modules"));
        return (allowed && Files.isRegularFile(file)) ? file : null;
    }

    private static String contentType(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String extension = (dot >= 0) ? name.substring(dot) : "";
        return CONTENT_TYPES.getOrDefault(extension, "application/octet-stream");
    }

    /**
     * Stops the server at once, without waiting for open exchanges.
     */
    @Override
    public void close() {
        this.server.stop(0);
    }

}

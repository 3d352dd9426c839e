package io.eventrouter.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bound on request bodies held at once: a body that does not fit while another is held gets
 * a 503 that SDKs retry, once the client has sent it.
 */
class BodyBudgetIntegrationTests {

    private static final int BUDGET = 16 * 1024;

    @Test
    void bodyOverBudgetGets503WhileAnotherIsHeld() throws IOException {
        RecordingSource source = new RecordingSource();
        ClientBridge bridge = ClientBridge.builder(source).maxBodyBytesInFlight(BUDGET).build();
        try (BridgeServer server = BridgeServer.start(bridge); Socket held = connect(server)) {
            byte[] first = upload("first", 12 * 1024);
            holdMostOf(held, first, bridge);

            byte[] second = upload("second", 8 * 1024);
            String refused = exchangeUntilAnswered(server, "/2/httpapi", second, second.length);
            assertThat(refused).startsWith("HTTP/1.1 503");
            assertThat(refused).containsIgnoringCase("retry-after: 1");
            assertThat(refused).endsWith("{\"code\":503,\"error\":\"Service unavailable, retry later\"}");

            held.getOutputStream().write(first, first.length - 10, 10);
            held.getOutputStream().flush();
            assertThat(readResponse(held)).startsWith("HTTP/1.1 200");
            // The first request's bytes are counted until its handling ends, just after its response.
            await().atMost(Duration.ofSeconds(10)).until(() -> bridge.heldBodyBytes() == 0);
            assertThat(server.client().post().uri("/2/httpapi").bodyValue(second).exchange()
                    .returnResult(String.class).getStatus().value()).isEqualTo(200);
            assertThat(source.events()).extracting((event) -> event.eventType()).containsExactly("first", "second");
            await().atMost(Duration.ofSeconds(10)).until(() -> bridge.heldBodyBytes() == 0);
            assertThat(bridge.refusedBodies()).isOne();
        }
    }

    @Test
    void inflatedBodyCountsAgainstBudget() throws IOException {
        ClientBridge bridge = ClientBridge.builder(new RecordingSource()).maxBodyBytesInFlight(BUDGET).build();
        try (BridgeServer server = BridgeServer.start(bridge); Socket held = connect(server)) {
            byte[] first = upload("first", 4 * 1024);
            holdMostOf(held, first, bridge);

            byte[] compressed = gzip(upload("second", 40 * 1024));
            assertThat(compressed.length).isLessThan(BUDGET - 4 * 1024);
            String refused = exchangeUntilAnswered(server, "/2/httpapi", compressed, compressed.length, "gzip");
            assertThat(refused).startsWith("HTTP/1.1 503");

            held.getOutputStream().write(first, first.length - 10, 10);
            held.getOutputStream().flush();
            assertThat(readResponse(held)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void chunkedBodyCountedAsItArrives() throws IOException {
        ClientBridge bridge = ClientBridge.builder(new RecordingSource()).maxBodyBytesInFlight(BUDGET).build();
        try (BridgeServer server = BridgeServer.start(bridge); Socket held = connect(server)) {
            byte[] first = upload("first", 12 * 1024);
            held.getOutputStream().write(("POST /2/httpapi HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(first.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            held.getOutputStream().write(first);
            held.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> bridge.heldBodyBytes() == first.length);

            byte[] second = upload("second", 8 * 1024);
            assertThat(exchangeUntilAnswered(server, "/2/httpapi", second, second.length)).startsWith("HTTP/1.1 503");

            held.getOutputStream().write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            held.getOutputStream().flush();
            assertThat(readResponse(held)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void stalledBodyHoldsOnlyWhatArrived() throws IOException {
        ClientBridge bridge = ClientBridge.builder(new RecordingSource()).maxBodyBytesInFlight(BUDGET).build();
        try (BridgeServer server = BridgeServer.start(bridge); Socket stalled = connect(server)) {
            writeHead(stalled, "/2/httpapi", 12 * 1024, "");
            stalled.getOutputStream().write('{');
            stalled.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> bridge.heldBodyBytes() == 1);

            byte[] second = upload("second", 8 * 1024);
            assertThat(exchangeUntilAnswered(server, "/2/httpapi", second, second.length)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void refusedBodyGivesBackItsShare() throws IOException {
        ClientBridge bridge = ClientBridge.builder(new RecordingSource()).maxBodyBytesInFlight(BUDGET).build();
        try (BridgeServer server = BridgeServer.start(bridge); Socket held = connect(server);
                Socket refused = connect(server)) {
            byte[] first = upload("first", 6 * 1024);
            holdMostOf(held, first, bridge);
            byte[] second = upload("second", 12 * 1024);
            writeHead(refused, "/2/httpapi", second.length, "");
            refused.getOutputStream().write(second, 0, 11 * 1024);
            refused.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> bridge.refusedBodies() == 1);

            await().atMost(Duration.ofSeconds(10)).until(() -> bridge.heldBodyBytes() == first.length - 10);
            refused.getOutputStream().write(second, 11 * 1024, second.length - 11 * 1024);
            refused.getOutputStream().flush();
            assertThat(readResponse(refused)).startsWith("HTTP/1.1 503");
            held.getOutputStream().write(first, first.length - 10, 10);
            held.getOutputStream().flush();
            assertThat(readResponse(held)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void bodyOverBudgetAlonePasses() {
        try (BridgeServer server = BridgeServer.start((bridge) -> bridge.maxBodyBytesInFlight(BUDGET))) {
            byte[] large = upload("large", 40 * 1024);

            assertThat(server.postWithContentType("/2/httpapi", "application/json", large).statusCode())
                    .isEqualTo(200);
            assertThat(server.source().events()).hasSize(1);
        }
    }

    @Test
    void legacyUploadGetsPlainText503() throws IOException {
        ClientBridge bridge = ClientBridge.builder(new RecordingSource()).maxBodyBytesInFlight(BUDGET).build();
        try (BridgeServer server = BridgeServer.start(bridge); Socket held = connect(server)) {
            byte[] first = upload("first", 12 * 1024);
            holdMostOf(held, first, bridge);

            String events = "[{\"event_type\":\"legacy\",\"device_id\":\"device-1\",\"pad\":\"" + "x".repeat(8 * 1024)
                    + "\"}]";
            byte[] form = ("client=key-12345&e=" + URLEncoder.encode(events, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.US_ASCII);
            String refused = exchangeUntilAnswered(server, "/", form, form.length, "",
                    "application/x-www-form-urlencoded");
            assertThat(refused).startsWith("HTTP/1.1 503");
            assertThat(refused).endsWith("service_unavailable");

            held.getOutputStream().write(first, first.length - 10, 10);
            held.getOutputStream().flush();
            assertThat(readResponse(held)).startsWith("HTTP/1.1 200");
        }
    }

    /** Sends an upload but its last 10 bytes, and waits until the bridge counts what it sent. */
    private static void holdMostOf(Socket socket, byte[] body, ClientBridge bridge) throws IOException {
        writeHead(socket, "/2/httpapi", body.length, "");
        socket.getOutputStream().write(body, 0, body.length - 10);
        socket.getOutputStream().flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> bridge.heldBodyBytes() == body.length - 10);
    }

    private static byte[] upload(String eventType, int padding) {
        return ("{\"api_key\":\"key-12345\",\"events\":[{\"event_type\":\"" + eventType
                + "\",\"device_id\":\"device-1\",\"event_properties\":{\"pad\":\"" + "x".repeat(padding) + "\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static Socket connect(BridgeServer server) throws IOException {
        Socket socket = new Socket("127.0.0.1", URI.create(server.baseUrl()).getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void writeHead(Socket socket, String path, int length, String encoding) throws IOException {
        writeHead(socket, path, length, encoding, "application/json");
    }

    private static void writeHead(Socket socket, String path, int length, String encoding, String contentType)
            throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType + "\r\n"
                + (encoding.isEmpty() ? "" : "Content-Encoding: " + encoding + "\r\n")
                + "Content-Length: " + length + "\r\n\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    }

    private static String exchangeUntilAnswered(BridgeServer server, String path, byte[] body, int length)
            throws IOException {
        return exchangeUntilAnswered(server, path, body, length, "");
    }

    private static String exchangeUntilAnswered(BridgeServer server, String path, byte[] body, int length,
            String encoding) throws IOException {
        return exchangeUntilAnswered(server, path, body, length, encoding, "application/json");
    }

    /** Sends a request on a new connection and reads its response. */
    private static String exchangeUntilAnswered(BridgeServer server, String path, byte[] body, int length,
            String encoding, String contentType) throws IOException {
        try (Socket socket = connect(server)) {
            writeHead(socket, path, length, encoding, contentType);
            OutputStream out = socket.getOutputStream();
            out.write(body);
            out.flush();
            return readResponse(socket);
        }
    }

    /** Reads one response: status line, headers and a body of the given Content-Length. */
    private static String readResponse(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int next = in.read();
            if (next < 0) {
                return head.toString();
            }
            head.append((char) next);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.UTF_8);
    }

}

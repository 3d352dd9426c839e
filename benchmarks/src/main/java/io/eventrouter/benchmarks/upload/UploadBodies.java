package io.eventrouter.benchmarks.upload;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Generates HTTP V2 upload bodies shaped like those of Amplitude's browser SDK
 * ({@code @amplitude/analytics-browser} 2.x): page views, clicks and identifies with the SDK's
 * context fields, about 800 bytes per event in compact JSON.
 *
 * <p>Generation is deterministic for a given seed, so every run posts the same bytes. Every event
 * of every body in one pool has its own {@code insert_id}, so a router that deduplicates by
 * {@code insert_id} sees no duplicate until a load generator wraps around the pool.
 */
public final class UploadBodies {

    /** The API key of every generated upload; the stand-in endpoints accept any key. */
    public static final String API_KEY = "benchmark-api-key-000000000000001";

    private static final String USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
            + "(KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

    private static final String[] PAGES = { "products/trail-running-shoes-2026", "checkout/shipping",
        "account/orders", "blog/how-we-measure-retention", "pricing", "search" };

    private static final long EPOCH_MILLIS = 1_796_397_996_000L;

    private final JsonMapper mapper = JsonMapper.builder().build();

    private final Random random;

    public UploadBodies(long seed) {
        this.random = new Random(seed);
    }

    /** Creates {@code count} distinct upload bodies of {@code eventsPerBody} events each. */
    public List<byte[]> bodies(int count, int eventsPerBody) {
        List<byte[]> bodies = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            bodies.add(this.mapper.writeValueAsBytes(upload(eventsPerBody)));
        }
        return bodies;
    }

    /** Creates one upload: {@code api_key}, {@code events}, {@code options} and the upload time. */
    public ObjectNode upload(int eventsPerBody) {
        ObjectNode upload = this.mapper.createObjectNode();
        upload.put("api_key", API_KEY);
        ArrayNode events = upload.putArray("events");
        String deviceId = uuid();
        String userId = "user-" + (100_000 + this.random.nextInt(900_000));
        long sessionId = EPOCH_MILLIS + this.random.nextInt(86_400_000);
        for (int i = 0; i < eventsPerBody; i++) {
            events.add(event(deviceId, userId, sessionId, i));
        }
        upload.putObject("options");
        upload.put("client_upload_time", "2026-12-04T15:26:36.281Z");
        return upload;
    }

    /** Creates one browser event for a device and session; {@code eventId} counts up per device. */
    public ObjectNode event(String deviceId, String userId, long sessionId, int eventId) {
        ObjectNode event = this.mapper.createObjectNode();
        event.put("user_id", userId);
        event.put("device_id", deviceId);
        event.put("session_id", sessionId);
        event.put("time", sessionId + 1_000L * eventId + this.random.nextInt(1000));
        event.put("app_version", "3.18.2");
        event.put("platform", "Web");
        event.put("os_name", "Chrome");
        event.put("os_version", "156");
        event.put("device_model", "Linux");
        event.put("language", "en-US");
        event.put("ip", "$remote");
        event.put("insert_id", uuid());
        String page = PAGES[this.random.nextInt(PAGES.length)];
        switch (eventId % 3) {
            case 0 -> pageViewed(event, page);
            case 1 -> buttonClicked(event, page);
            default -> identify(event);
        }
        event.put("event_id", eventId);
        event.put("library", "amplitude-ts/2.48.1");
        event.put("user_agent", USER_AGENT);
        return event;
    }

    private void pageViewed(ObjectNode event, String page) {
        event.put("event_type", "[Amplitude] Page Viewed");
        ObjectNode properties = event.putObject("event_properties");
        properties.put("[Amplitude] Page Domain", "shop.example.com");
        properties.put("[Amplitude] Page Location", "https://shop.example.com/" + page + "?utm_source=newsletter");
        properties.put("[Amplitude] Page Path", "/" + page);
        properties.put("[Amplitude] Page Title", "Example Shop | " + page);
        properties.put("[Amplitude] Page URL", "https://shop.example.com/" + page);
        properties.put("referrer", "https://www.example.org/search?q=" + this.random.nextInt(100_000));
    }

    private void buttonClicked(ObjectNode event, String page) {
        event.put("event_type", "Button Clicked");
        ObjectNode properties = event.putObject("event_properties");
        properties.put("button_id", "cta-" + this.random.nextInt(50));
        properties.put("button_text", "Add to cart");
        properties.put("page_path", "/" + page);
        properties.put("position_x", this.random.nextInt(1920));
        properties.put("position_y", this.random.nextInt(1080));
        properties.put("experiment_variant", "treatment-b");
        properties.put("cart_value", Math.round(this.random.nextDouble() * 50_000) / 100.0);
        properties.put("currency", "EUR");
    }

    private void identify(ObjectNode event) {
        event.put("event_type", "$identify");
        ObjectNode set = event.putObject("user_properties").putObject("$set");
        set.put("plan", "team");
        set.put("seats", 1 + this.random.nextInt(200));
        set.put("company_size", "51-200");
        set.put("signup_channel", "organic-search");
        set.put("initial_referring_domain", "www.example.org");
        set.put("newsletter_opt_in", this.random.nextBoolean());
    }

    private String uuid() {
        return new UUID(this.random.nextLong(), this.random.nextLong()).toString();
    }

    /**
     * Writes a pool of bodies, one compact JSON upload per line, for the load generator's script.
     * Arguments: events per body, number of bodies, output file.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("Usage: UploadBodies EVENTS_PER_BODY BODY_COUNT OUTPUT_FILE");
            System.exit(2);
        }
        int eventsPerBody = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        Path output = Path.of(args[2]);
        List<byte[]> bodies = new UploadBodies(eventsPerBody).bodies(count, eventsPerBody);
        long bytes = 0;
        try (OutputStream out = Files.newOutputStream(output)) {
            for (byte[] body : bodies) {
                out.write(body);
                out.write('\n');
                bytes += body.length;
            }
        }
        System.out.printf("Wrote %d bodies of %d events, %d bytes per event on average, to %s%n", count,
                eventsPerBody, bytes / ((long) count * eventsPerBody), output.toAbsolutePath());
    }

}

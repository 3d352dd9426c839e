package io.eventrouter.sdk.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;

import io.eventrouter.core.amplitude.UploadEncoder;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.RequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class BodyEncoderTests {

    private static final RequestContext CONTEXT = RequestContext.of("0123456789abcdef");

    private final BodyEncoder encoder = new BodyEncoder();

    @AfterEach
    void close() {
        this.encoder.close();
    }

    private static List<Event> events(int count, String prefix) {
        return IntStream.range(0, count)
                .mapToObj((i) -> Event.builder("Order Placed").apiKey(CONTEXT.apiKey()).userId(prefix + i)
                        .eventProperty("total", i).build())
                .toList();
    }

    private static String gunzip(byte[] body) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void gzipBodyInflatesToTheUploadJson() throws IOException {
        List<Event> events = events(50, "user-");

        byte[] body = this.encoder.encode(CONTEXT, events, true, Integer.MAX_VALUE);

        assertThat(gunzip(body)).isEqualTo(new String(UploadEncoder.encode(CONTEXT, events), StandardCharsets.UTF_8));
    }

    @Test
    void reusedEncoderWritesEachBodyAfresh() throws IOException {
        List<Event> large = events(500, "first-user-");
        List<Event> small = events(2, "second-user-");

        this.encoder.encode(CONTEXT, large, true, Integer.MAX_VALUE);
        byte[] body = this.encoder.encode(CONTEXT, small, true, Integer.MAX_VALUE);

        assertThat(gunzip(body)).isEqualTo(new String(UploadEncoder.encode(CONTEXT, small), StandardCharsets.UTF_8));
    }

    @Test
    void uncompressedBodyIsTheUploadJson() {
        List<Event> events = events(3, "user-");

        byte[] body = this.encoder.encode(CONTEXT, events, false, Integer.MAX_VALUE);

        assertThat(body).isEqualTo(UploadEncoder.encode(CONTEXT, events));
    }

    @Test
    void bodyOverTheLimitIsRejectedForSplitting() {
        List<Event> events = events(20, "user-");

        assertThatExceptionOfType(BodyEncoder.BodyTooLargeException.class)
                .isThrownBy(() -> this.encoder.encode(CONTEXT, events, true, 100));
    }

    @Test
    void singleEventOverTheLimitIsEncodedAnyway() {
        List<Event> events = events(1, "user-");

        byte[] body = this.encoder.encode(CONTEXT, events, false, 10);

        assertThat(body).isEqualTo(UploadEncoder.encode(CONTEXT, events));
    }

}

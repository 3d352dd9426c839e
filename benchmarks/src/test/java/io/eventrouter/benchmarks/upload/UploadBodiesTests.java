package io.eventrouter.benchmarks.upload;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.amplitude.UploadRequest;
import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UploadBodiesTests {

    private final UploadDecoder decoder = new UploadDecoder();

    @Test
    void bodiesPassTheRoutersValidation() {
        List<byte[]> bodies = new UploadBodies(1).bodies(20, 10);

        List<UploadRequest> uploads = bodies.stream().map(this.decoder::decode).toList();

        assertThat(uploads).allSatisfy((upload) -> assertThat(upload.events()).hasSize(10));
    }

    @Test
    void eventsAreAbout800BytesEach() {
        List<byte[]> bodies = new UploadBodies(1).bodies(20, 100);

        long bytesPerEvent = bodies.stream().mapToLong((body) -> body.length).sum() / (20 * 100);

        assertThat(bytesPerEvent).isBetween(700L, 900L);
    }

    @Test
    void everyEventInPoolHasOwnInsertId() {
        List<byte[]> bodies = new UploadBodies(1).bodies(50, 100);

        Set<String> insertIds = bodies.stream()
                .flatMap((body) -> this.decoder.decode(body).events().stream())
                .map((event) -> event.insertId().orElseThrow())
                .collect(Collectors.toSet());

        assertThat(insertIds).hasSize(50 * 100);
    }

    @Test
    void sameSeedGivesSameBodies() {
        List<byte[]> first = new UploadBodies(7).bodies(3, 10);
        List<byte[]> second = new UploadBodies(7).bodies(3, 10);

        assertThat(first).zipSatisfy(second, (a, b) -> assertThat(a).isEqualTo(b));
    }

    @Test
    void uploadsMixEventTypes() {
        UploadRequest upload = this.decoder.decode(new UploadBodies(1).bodies(1, 10).get(0));

        Set<String> types = upload.events().stream().map(Event::eventType).collect(Collectors.toSet());

        assertThat(types).containsExactlyInAnyOrder("[Amplitude] Page Viewed", "Button Clicked", "$identify");
    }

}

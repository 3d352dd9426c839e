package io.eventrouter.web.autoconfigure;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import io.eventrouter.core.destination.DestinationId;
import io.eventrouter.core.file.EventFileInUseException;
import io.eventrouter.core.file.JsonLinesFileDestination;
import io.eventrouter.core.identity.EmbeddedIdentityStore;
import io.eventrouter.core.identity.IdentityStoreInUseException;
import io.eventrouter.core.spool.MVStoreSpool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class LockedFileFailureAnalyzerTests {

    @TempDir
    Path directory;

    @Test
    void reportsLockedSpool() {
        List<DestinationId> destinations = List.of(DestinationId.of("amplitude"));
        try (MVStoreSpool first = MVStoreSpool.builder(this.directory).destinations(destinations).build()) {
            Throwable failure = catchThrowable(() -> MVStoreSpool.builder(this.directory).destinations(destinations)
                    .build().close());

            FailureAnalysis analysis = new LockedFileFailureAnalyzer().analyze(failure);

            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("spool.mv.db");
            assertThat(analysis.getAction()).contains("router.spool.path", "router.dead-letters.path");
        }
    }

    @Test
    void reportsLockedIdentityStore() {
        Path identities = this.directory.resolve("identity");
        try (EmbeddedIdentityStore first = EmbeddedIdentityStore.open(identities, 100)) {
            Throwable failure = catchThrowable(() -> EmbeddedIdentityStore.open(identities, 100).close());

            FailureAnalysis analysis = new LockedFileFailureAnalyzer().analyze(failure);

            assertThat(failure).isInstanceOf(IdentityStoreInUseException.class);
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains(identities.toString());
            assertThat(analysis.getAction()).contains("router.identity.embedded.directory");
        }
    }

    @Test
    void reportsLockedEventFile() throws IOException {
        Path events = this.directory.resolve("events.jsonl");
        try (JsonLinesFileDestination first = new JsonLinesFileDestination(DestinationId.of("file"), events)) {
            Throwable failure = catchThrowable(() -> new JsonLinesFileDestination(DestinationId.of("file"), events)
                    .close());

            FailureAnalysis analysis = new LockedFileFailureAnalyzer().analyze(failure);

            assertThat(failure).isInstanceOf(EventFileInUseException.class);
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains(events.toString());
            assertThat(analysis.getAction()).contains("router.destinations.file.path");
        }
    }

    @Test
    void ignoresOtherFailures() {
        assertThat(new LockedFileFailureAnalyzer().analyze(new IllegalStateException("broken"))).isNull();
    }

}

package io.eventrouter.core.identity;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.eventrouter.core.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class StoreFailureLoggingTests {

    private final Logger logger = (Logger) LoggerFactory.getLogger(IdentityStitcher.class);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    private final SwitchableStore store = new SwitchableStore();

    @BeforeEach
    void captureLogs() {
        this.logs.start();
        this.logger.addAppender(this.logs);
    }

    @AfterEach
    void releaseLogs() {
        this.logger.detachAppender(this.logs);
        this.store.close();
    }

    @Test
    void logsEachOutageAndRecovery() {
        IdentityStitcher stitcher = IdentityStitcher.builder(this.store).build();

        this.store.down = true;
        stitcher.stitch(event()).block();
        stitcher.stitch(event()).block();
        this.store.down = false;
        stitcher.stitch(event()).block();
        stitcher.stitch(event()).block();
        this.store.down = true;
        stitcher.stitch(event()).block();

        assertThat(messagesAtOrAbove(Level.INFO)).containsExactly(
                "Identity store failed; events pass unstitched until it recovers: java.lang.IllegalStateException: store down",
                "Identity store recovered; events are stitched again: failed_events=2",
                "Identity store failed; events pass unstitched until it recovers: java.lang.IllegalStateException: store down");
        assertThat(stitcher.failedEvents()).isEqualTo(3);
    }

    private List<String> messagesAtOrAbove(Level level) {
        return this.logs.list.stream()
                .filter((log) -> log.getLevel().isGreaterOrEqual(level))
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static Event event() {
        return Event.builder("click").apiKey("key-0123456789").deviceId("device-1").build();
    }

    /** A store that fails while {@link #down} is set and keeps links in memory otherwise. */
    private static final class SwitchableStore implements IdentityStore {

        private final EmbeddedIdentityStore links = EmbeddedIdentityStore.inMemory(100);

        volatile boolean down;

        @Override
        public Mono<IdentityLink> find(IdentityScope scope, LinkKind kind, String id) {
            return this.down ? Mono.error(new IllegalStateException("store down")) : this.links.find(scope, kind, id);
        }

        @Override
        public Mono<Void> record(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
            return this.down ? Mono.error(new IllegalStateException("store down"))
                    : this.links.record(scope, kind, id, link);
        }

        @Override
        public void close() {
            this.links.close();
        }

    }

}

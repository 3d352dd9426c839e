package io.eventrouter.web;

import java.io.IOException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

class EventRouterApplicationTests {

    @RegisterExtension
    final CapturedLogs logs = new CapturedLogs(EventRouterApplication.class);

    @Test
    void droppedResetLogsAtDebug() {
        EventRouterApplication.logDroppedError(new IOException("recvAddress(..) failed: Connection reset by peer"));

        assertThat(this.logs.events()).singleElement().extracting(ILoggingEvent::getLevel).isEqualTo(Level.DEBUG);
    }

    @Test
    void droppedOtherErrorLogsAtError() {
        EventRouterApplication.logDroppedError(new IllegalStateException("broken"));

        assertThat(this.logs.events()).singleElement().extracting(ILoggingEvent::getLevel).isEqualTo(Level.ERROR);
    }

}

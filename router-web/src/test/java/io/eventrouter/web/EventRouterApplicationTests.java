package io.eventrouter.web;

import java.io.IOException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class EventRouterApplicationTests {

    private final Logger logger = (Logger) LoggerFactory.getLogger(EventRouterApplication.class);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        this.logs.start();
        this.logger.addAppender(this.logs);
        this.logger.setLevel(Level.DEBUG);
    }

    @AfterEach
    void releaseLogs() {
        this.logger.detachAppender(this.logs);
        this.logger.setLevel(null);
    }

    @Test
    void droppedResetLogsAtDebug() {
        EventRouterApplication.logDroppedError(new IOException("recvAddress(..) failed: Connection reset by peer"));

        assertThat(this.logs.list).singleElement().extracting(ILoggingEvent::getLevel).isEqualTo(Level.DEBUG);
    }

    @Test
    void droppedOtherErrorLogsAtError() {
        EventRouterApplication.logDroppedError(new IllegalStateException("broken"));

        assertThat(this.logs.list).singleElement().extracting(ILoggingEvent::getLevel).isEqualTo(Level.ERROR);
    }

}

package io.eventrouter.web;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * A JUnit extension that records, at DEBUG and above, what one class logs during each test.
 * Register it on an instance field with {@code @RegisterExtension}.
 */
public final class CapturedLogs implements BeforeEachCallback, AfterEachCallback {

    private final Logger logger;

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public CapturedLogs(Class<?> source) {
        this.logger = (Logger) LoggerFactory.getLogger(source);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        this.appender.start();
        this.logger.addAppender(this.appender);
        this.logger.setLevel(Level.DEBUG);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        this.logger.detachAppender(this.appender);
        this.logger.setLevel(null);
    }

    /** Returns the events logged so far in this test, oldest first. */
    public List<ILoggingEvent> events() {
        return List.copyOf(this.appender.list);
    }

}

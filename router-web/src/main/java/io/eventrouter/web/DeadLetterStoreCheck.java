package io.eventrouter.web;

import java.time.Duration;

import io.eventrouter.core.deadletter.DeadLetterStore;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Opens the dead-letter store once the service has started, rather than at its first letter. The
 * store locks its file, so a second router that shares only the dead-letter path stops here with
 * a short report, instead of running on and failing to store every letter. Only the service
 * registers it: test JVMs keep several application contexts on one path, and an embedding
 * application decides for itself.
 */
final class DeadLetterStoreCheck implements ApplicationListener<ApplicationStartedEvent> {

    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);

    @Override
    public void onApplicationEvent(ApplicationStartedEvent event) {
        event.getApplicationContext().getBeanProvider(DeadLetterStore.class).ifAvailable(DeadLetterStoreCheck::open);
    }

    /** Opens {@code store} by counting its letters, which fails when another process has its file locked. */
    static void open(DeadLetterStore store) {
        store.count(null).block(OPEN_TIMEOUT);
    }

}

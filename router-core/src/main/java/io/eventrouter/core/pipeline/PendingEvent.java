package io.eventrouter.core.pipeline;

import io.eventrouter.core.deadletter.DeadLetter;
import io.eventrouter.core.deadletter.StoredDeadLetter;
import io.eventrouter.core.event.Event;
import io.eventrouter.core.source.SourceId;
import io.eventrouter.core.spool.SpooledEvent;
import org.jspecify.annotations.Nullable;

/**
 * An event a dispatcher holds on the heap until it is settled: read from the spool, or replayed
 * from the dead-letter store.
 *
 * <p>The ordering key is the device id, or the user id of an event without one; events with
 * neither have no key and are never held back for another event. Instances compare by identity.
 */
final class PendingEvent {

    /** The spool offset, or -1 for a replayed event, which the spool does not hold. */
    final long offset;

    final SourceId source;

    final Event event;

    /** UTF-8 bytes of the event's JSON plus one separator. */
    final int bytes;

    final @Nullable String key;

    /** The id of the dead letter a replayed event came from, or -1. */
    final long deadLetterId;

    /** The dead letter a replayed event came from, whose attempts a new letter adds to, or null. */
    final @Nullable DeadLetter replayedLetter;

    private PendingEvent(long offset, SourceId source, Event event, long deadLetterId,
            @Nullable DeadLetter replayedLetter) {
        this.offset = offset;
        this.source = source;
        this.event = event;
        this.bytes = event.encodedSize() + 1;
        // A replayed event already lost its place in its device's order, so it neither waits nor blocks.
        this.key = (offset >= 0) ? orderingKey(event) : null;
        this.deadLetterId = deadLetterId;
        this.replayedLetter = replayedLetter;
    }

    static PendingEvent spooled(SpooledEvent spooled) {
        return new PendingEvent(spooled.offset(), spooled.source(), spooled.event(), -1, null);
    }

    static PendingEvent replayed(StoredDeadLetter letter) {
        return new PendingEvent(-1, letter.deadLetter().source(), letter.deadLetter().event(), letter.id(),
                letter.deadLetter());
    }

    boolean isReplay() {
        return this.offset < 0;
    }

    static @Nullable String orderingKey(Event event) {
        if (event.deviceId().isPresent()) {
            return "d:" + event.deviceId().get();
        }
        return event.userId().map((userId) -> "u:" + userId).orElse(null);
    }

}

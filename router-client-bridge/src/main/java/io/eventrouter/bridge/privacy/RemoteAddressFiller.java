package io.eventrouter.bridge.privacy;

import java.util.List;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.event.EventField;

/**
 * Replaces the placeholder {@code "$remote"} in an event's {@code ip} with the client's address,
 * as Amplitude does. Events without {@code ip} keep none: an SDK leaves it out when IP tracking
 * is off, and server SDKs leave it out because their address is the server's.
 */
public final class RemoteAddressFiller {

    /** The value Amplitude's SDKs send to mean "the address this upload came from". */
    public static final String REMOTE = "$remote";

    public List<Event> fill(List<Event> events, String clientAddress) {
        boolean any = events.stream().anyMatch(RemoteAddressFiller::wantsRemote);
        if (!any) {
            return events;
        }
        return events.stream()
                .map((event) -> wantsRemote(event) ? event.with(EventField.IP, clientAddress) : event)
                .toList();
    }

    private static boolean wantsRemote(Event event) {
        return event.ip().filter(REMOTE::equals).isPresent();
    }

}

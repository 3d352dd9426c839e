package io.eventrouter.bridge.identity;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.eventrouter.core.event.Event;
import io.eventrouter.core.identity.FirstPartyDeviceLinker;
import io.eventrouter.core.source.Acceptance;
import io.eventrouter.core.source.AcceptanceException;
import io.eventrouter.core.source.Source;
import io.eventrouter.core.source.SourceId;
import reactor.core.publisher.Mono;

/**
 * A source that links the device ids of an upload to the router's first-party device cookie
 * before it submits them, so that the spool receives them already linked.
 *
 * <p>The cookie's id comes from the Reactor context, where {@link FirstPartyCookieFilter} puts
 * it; uploads without it pass unchanged.
 */
public final class FirstPartyLinkingSource implements Source {

    private final Source delegate;

    private final FirstPartyDeviceLinker linker;

    public FirstPartyLinkingSource(Source delegate, FirstPartyDeviceLinker linker) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.linker = Objects.requireNonNull(linker, "linker");
    }

    @Override
    public SourceId id() {
        return this.delegate.id();
    }

    @Override
    public Mono<Acceptance> submit(List<Event> events) {
        return Mono.deferContextual((context) -> context.<String>getOrEmpty(FirstPartyCookieFilter.CONTEXT_KEY)
                .map((deviceId) -> this.linker.link(deviceId, events).flatMap(this.delegate::submit))
                .orElseGet(() -> this.delegate.submit(events)));
    }

    @Override
    public Optional<AcceptanceException> overload() {
        return this.delegate.overload();
    }

}

package io.eventrouter.core.identity;

import reactor.core.publisher.Mono;

/**
 * An identity store that never responds, as a Redis that accepts connections but is stopped
 * would. It counts the calls made to it.
 */
final class HangingIdentityStore implements IdentityStore {

    private int calls;

    int calls() {
        return this.calls;
    }

    @Override
    public Mono<IdentityLink> find(IdentityScope scope, LinkKind kind, String id) {
        this.calls++;
        return Mono.never();
    }

    @Override
    public Mono<Void> record(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
        this.calls++;
        return Mono.never();
    }

    @Override
    public void close() {
    }

}

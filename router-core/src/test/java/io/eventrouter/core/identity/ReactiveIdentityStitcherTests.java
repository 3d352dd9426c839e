package io.eventrouter.core.identity;

import reactor.core.publisher.Mono;

/**
 * Runs the stitcher's tests through the store's {@code Mono} methods, the path the stitcher takes
 * with a store that is not a {@link SynchronousIdentityStore}, such as Redis.
 */
class ReactiveIdentityStitcherTests extends IdentityStitcherTests {

    @Override
    protected IdentityStore stitchedStore(EmbeddedIdentityStore store) {
        return new ReactiveOnlyStore(store);
    }

    /** Hides the synchronous methods of the store it wraps. */
    private record ReactiveOnlyStore(IdentityStore delegate) implements IdentityStore {

        @Override
        public Mono<IdentityLink> find(IdentityScope scope, LinkKind kind, String id) {
            return this.delegate.find(scope, kind, id);
        }

        @Override
        public Mono<Void> record(IdentityScope scope, LinkKind kind, String id, IdentityLink link) {
            return this.delegate.record(scope, kind, id, link);
        }

        @Override
        public void close() {
            this.delegate.close();
        }

    }

}

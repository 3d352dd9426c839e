package io.eventrouter.core.identity;

import java.util.Objects;

/**
 * Names one link of a scope: its kind and the id it leads from. Used to announce the links a
 * batch of events will read, see {@link SynchronousIdentityStore#prefetch}.
 *
 * @param kind the kind of link
 * @param id the id the link leads from, such as a device id for {@link LinkKind#DEVICE_USER}
 */
public record LinkKey(LinkKind kind, String id) {

    public LinkKey {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }

}

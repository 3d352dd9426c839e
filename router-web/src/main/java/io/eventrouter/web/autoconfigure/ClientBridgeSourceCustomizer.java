package io.eventrouter.web.autoconfigure;

import io.eventrouter.core.source.Source;

/**
 * Wraps the source the client bridge submits to, for steps that need the bridge's request, such
 * as linking uploads to the first-party device cookie. Customizers apply in bean order.
 */
@FunctionalInterface
public interface ClientBridgeSourceCustomizer {

    /** Returns the source the bridge should submit to in place of {@code source}. */
    Source customize(Source source);

}

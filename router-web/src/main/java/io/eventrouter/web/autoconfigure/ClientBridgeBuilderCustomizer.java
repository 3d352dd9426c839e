package io.eventrouter.web.autoconfigure;

import io.eventrouter.bridge.ClientBridge;

/**
 * Adjusts the client bridge's settings after they are read from {@code router.bridge.*}, for
 * features configured elsewhere, such as completing Experiment users with linked identities.
 * Customizers apply in bean order.
 */
@FunctionalInterface
public interface ClientBridgeBuilderCustomizer {

    void customize(ClientBridge.Builder builder);

}

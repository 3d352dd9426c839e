package io.eventrouter.web.autoconfigure;

import io.eventrouter.bridge.ClientBridge;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * Serves the client bridge in a Servlet (Spring MVC) application, on its own Reactor Netty server
 * at {@code router.bridge.port}. Steps aside when the application defines its own
 * {@link BridgeServer}.
 */
@AutoConfiguration(after = EventRouterAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public final class ServletBridgeAutoConfiguration {

    @Bean
    @ConditionalOnBean(ClientBridge.class)
    @ConditionalOnMissingBean
    BridgeServer eventRouterBridgeServer(ClientBridge bridge, RouterProperties properties) {
        return new BridgeServer(bridge, properties.getBridge().getAddress(), properties.getBridge().getPort());
    }

}

package io.eventrouter.web.autoconfigure;

import io.eventrouter.bridge.ClientBridge;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.ServletHttpHandlerAdapter;

/**
 * Serves the client bridge in a Servlet (Spring MVC) application. By default it runs on a
 * Reactor Netty server of its own at {@code router.bridge.port}. With
 * {@code router.bridge.share-application-port=true} it is mounted as a servlet under
 * {@code router.bridge.path-prefix} on the application's own port instead, through Spring's
 * {@link ServletHttpHandlerAdapter}, which runs reactive handlers on Servlet asynchronous I/O.
 * Each bean steps aside when the application defines its own.
 */
@AutoConfiguration(after = EventRouterAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public final class ServletBridgeAutoConfiguration {

    @Bean
    @ConditionalOnBean(ClientBridge.class)
    @ConditionalOnMissingBean
    @ConditionalOnProperty(name = "router.bridge.share-application-port", havingValue = "false",
            matchIfMissing = true)
    BridgeServer eventRouterBridgeServer(ClientBridge bridge, RouterProperties properties) {
        return new BridgeServer(bridge, properties.getBridge().getAddress(), properties.getBridge().getPort());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ServletRegistrationBean.class)
    @ConditionalOnProperty(name = "router.bridge.share-application-port", havingValue = "true")
    static class SharedPortConfiguration {

        @Bean
        @ConditionalOnBean(ClientBridge.class)
        @ConditionalOnMissingBean(name = "eventRouterBridgeServlet")
        ServletRegistrationBean<ServletHttpHandlerAdapter> eventRouterBridgeServlet(ClientBridge bridge,
                RouterProperties properties) {
            return BridgeServlet.registration(bridge, properties.getBridge().getPathPrefix());
        }

    }

}

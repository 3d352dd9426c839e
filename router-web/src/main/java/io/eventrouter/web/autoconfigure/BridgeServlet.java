package io.eventrouter.web.autoconfigure;

import io.eventrouter.bridge.ClientBridge;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServletHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunctions;

/**
 * Mounts the client bridge as a servlet under its path prefix in a Servlet application.
 *
 * <p>{@link ServletHttpHandlerAdapter} counts the servlet's own path as part of the context path,
 * so the bridge's routes, which include the prefix, would never match. The handler therefore
 * gives the request back the application's context path before routing.
 */
final class BridgeServlet {

    private BridgeServlet() {
    }

    static ServletRegistrationBean<ServletHttpHandlerAdapter> registration(ClientBridge bridge, String pathPrefix) {
        String prefix = pathPrefix.endsWith("/") ? pathPrefix.substring(0, pathPrefix.length() - 1) : pathPrefix;
        if (prefix.isEmpty()) {
            throw new IllegalStateException("router.bridge.share-application-port=true needs "
                    + "router.bridge.path-prefix, such as /amplitude, because the bridge cannot share the root "
                    + "path with the application's DispatcherServlet; set a prefix or serve the bridge on its "
                    + "own port with router.bridge.port");
        }
        HttpHandler routes = RouterFunctions.toHttpHandler(bridge.routes(),
                HandlerStrategies.builder().webFilter(bridge.corsPolicy()).build());
        HttpHandler handler = (request, response) -> {
            String contextPath = request.getPath().contextPath().value();
            String applicationContextPath = contextPath.endsWith(prefix)
                    ? contextPath.substring(0, contextPath.length() - prefix.length())
                    : contextPath;
            return routes.handle(request.mutate().contextPath(applicationContextPath).build(), response);
        };
        ServletRegistrationBean<ServletHttpHandlerAdapter> registration =
                new ServletRegistrationBean<>(new ServletHttpHandlerAdapter(handler), prefix + "/*");
        registration.setName("eventRouterBridge");
        registration.setAsyncSupported(true);
        registration.setLoadOnStartup(1);
        return registration;
    }

}

package io.eventrouter.web.identity;

import java.io.IOException;

import io.eventrouter.sdk.RequestIdentity;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Binds the device id and session id that a page sent with its request to the thread that
 * handles it in a Servlet (Spring MVC) application, where
 * {@link io.eventrouter.sdk.RequestIdentityPublisher} finds them for the server events the
 * handler publishes. The binding ends with the filter chain, so a pooled thread never carries
 * one request's ids into the next.
 *
 * <p>The ids come from the {@value RequestIdentity#DEVICE_ID_HEADER} and
 * {@value RequestIdentity#SESSION_ID_HEADER} headers, as in {@link RequestIdentityWebFilter}.
 * Events published on another thread, such as in an {@code @Async} method, do not see the binding.
 */
public final class RequestIdentityServletFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        RequestIdentity identity = RequestIdentity.fromHeaders(request::getHeader);
        if (identity.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        try (RequestIdentity.Binding binding = RequestIdentity.bind(identity)) {
            chain.doFilter(request, response);
        }
    }

}

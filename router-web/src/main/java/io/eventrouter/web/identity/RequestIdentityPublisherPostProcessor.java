package io.eventrouter.web.identity;

import io.eventrouter.sdk.EventPublisher;
import io.eventrouter.sdk.RequestIdentityPublisher;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Wraps every {@link EventPublisher} bean with {@link RequestIdentityPublisher}, so that events
 * published while handling a browser request carry its ids without code at the call site.
 */
public final class RequestIdentityPublisherPostProcessor implements BeanPostProcessor {

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        return (bean instanceof EventPublisher publisher) ? RequestIdentityPublisher.wrap(publisher) : bean;
    }

}

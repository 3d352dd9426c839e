package io.eventrouter.web.autoconfigure;

import io.eventrouter.sdk.EventPublisher;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Closes the publisher that {@link EventRouterAutoConfiguration} defines at the right moment of
 * shutdown, see {@link PublisherLifecycle}. A publisher the application defines itself is the
 * application's to close, so this steps aside then.
 */
@AutoConfiguration(after = EventRouterAutoConfiguration.class)
@ConditionalOnBean(name = "eventRouterPublisher")
public final class PublisherLifecycleAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PublisherLifecycle eventRouterPublisherLifecycle(@Qualifier("eventRouterPublisher") EventPublisher publisher) {
        return new PublisherLifecycle(publisher);
    }

}

package io.eventrouter.web.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the JSON Lines file destination is on: {@code router.destinations.file.enabled}
 * when it is set, else only while the Amplitude destination is off. The file is the default
 * destination of a router with nowhere else to send events. Kept on beside Amplitude by default,
 * it would fill the disk with a copy of every event.
 */
class OnFileDestinationCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        ConditionMessage.Builder message = ConditionMessage.forCondition("Event Router file destination");
        Boolean file = binder.bind("router.destinations.file.enabled", Boolean.class).orElse(null);
        if (file != null) {
            return new ConditionOutcome(file, message.because("router.destinations.file.enabled is " + file));
        }
        boolean amplitude = binder.bind("router.destinations.amplitude.enabled", Boolean.class).orElse(false);
        if (amplitude) {
            return ConditionOutcome.noMatch(message.because("the Amplitude destination is enabled and "
                    + "router.destinations.file.enabled is not set"));
        }
        return ConditionOutcome.match(message.because("no other destination is enabled"));
    }

}

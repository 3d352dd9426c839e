package io.eventrouter.core.deadletter;

import java.util.Objects;

/**
 * A dead letter with the id its store gave it.
 *
 * @param id unique within the store and increasing in the order letters were added
 * @param deadLetter the dead letter
 */
public record StoredDeadLetter(long id, DeadLetter deadLetter) {

    public StoredDeadLetter {
        Objects.requireNonNull(deadLetter, "deadLetter");
    }

}

package io.eventrouter.sdk.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random {@code insert_id} values: version 4 UUIDs drawn from {@link ThreadLocalRandom}, because
 * {@link UUID#randomUUID()} draws from a shared {@code SecureRandom} that publishing threads
 * would contend on, and an insert id needs uniqueness, not secrecy.
 */
public final class RandomInsertIds {

    private RandomInsertIds() {
    }

    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long mostSignificant = (random.nextLong() & ~0xF000L) | 0x4000L;
        long leastSignificant = (random.nextLong() & ~(0xC000_0000_0000_0000L)) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant).toString();
    }

}

package io.eventrouter.core.event;

/**
 * 64-bit fingerprints of strings, for recognising an event again without keeping its ids. Each
 * string's characters and a separator go through FNV-1a. A finalizer shaped like MurmurHash3's
 * (its shifts and first multiplier, another second one) then spreads every input bit. Two
 * different inputs share a fingerprint with a chance of about one in 2^64.
 */
public final class Fingerprints {

    private static final long OFFSET_BASIS = 0xcbf29ce484222325L;

    private static final long PRIME = 0x100000001b3L;

    private Fingerprints() {
    }

    /** Returns the fingerprint of one string. */
    public static long of(String value) {
        return finish(mix(OFFSET_BASIS, value));
    }

    /** Returns the fingerprint of three strings in order; "ab", "c" differs from "a", "bc". */
    public static long of(String first, String second, String third) {
        return finish(mix(mix(mix(OFFSET_BASIS, first), second), third));
    }

    private static long mix(long hash, String value) {
        long result = hash;
        for (int i = 0; i < value.length(); i++) {
            result = (result ^ value.charAt(i)) * PRIME;
        }
        return (result ^ 0xFFFF) * PRIME;
    }

    private static long finish(long hash) {
        long result = hash;
        result ^= result >>> 33;
        result *= 0xff51afd7ed558ccdL;
        result ^= result >>> 33;
        result *= 0xc4ceb53a87e9c99bL;
        result ^= result >>> 33;
        return result;
    }

}

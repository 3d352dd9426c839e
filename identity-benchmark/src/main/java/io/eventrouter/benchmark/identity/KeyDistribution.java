package io.eventrouter.benchmark.identity;

import java.util.SplittableRandom;

/** Distribution of the people the benchmark's operations are about. */
public enum KeyDistribution {

    /** Every person equally often. */
    UNIFORM {
        @Override
        int next(SplittableRandom random, int size) {
            return random.nextInt(size);
        }
    },

    /**
     * A few people very often and most rarely: the index is {@code size^u - 1} for a uniform
     * {@code u}, so person {@code k} is drawn with a probability close to
     * {@code 1 / ((k + 1) ln size)}, a Zipf distribution with exponent 1.
     */
    SKEWED {
        @Override
        int next(SplittableRandom random, int size) {
            return (int) Math.min(size - 1, Math.pow(size, random.nextDouble()) - 1);
        }
    };

    abstract int next(SplittableRandom random, int size);

    /** Draws {@code count} indexes below {@code size} up front, so that drawing costs nothing in the measured loop. */
    int[] sequence(int count, int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] sequence = new int[count];
        for (int index = 0; index < count; index++) {
            sequence[index] = next(random, size);
        }
        return sequence;
    }

}

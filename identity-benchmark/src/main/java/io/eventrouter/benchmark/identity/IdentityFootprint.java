package io.eventrouter.benchmark.identity;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;

import io.eventrouter.core.identity.EmbeddedIdentityStore;

/**
 * Measures the embedded store's heap per identity: the heap in use after a full GC with the
 * store populated, minus the heap in use after a full GC before, divided by the number of
 * people. The ids are made while populating and collected before the second measurement, so
 * only the store counts.
 *
 * <p>Run with a heap that fits the largest population, such as
 * {@code java -Xmx6g -cp identity-benchmark/target/identity-benchmark.jar
 * io.eventrouter.benchmark.identity.IdentityFootprint 1000 10000000}.
 */
public final class IdentityFootprint {

    private IdentityFootprint() {
    }

    public static void main(String[] args) {
        // The first store pays for initialising Reactor and the store's classes, whose static
        // objects would otherwise be counted against the smallest population.
        Population warmUp = Population.of(1_000, 1);
        try (EmbeddedIdentityStore store = warmUp.newStore()) {
            warmUp.populate(store);
        }
        for (String arg : args) {
            int size = Integer.parseInt(arg);
            Population population = Population.of(size, 42);
            long before = usedHeapAfterGc();
            EmbeddedIdentityStore store = population.newStore();
            population.populate(store);
            long after = usedHeapAfterGc();
            System.out.printf(Locale.ROOT, "identities=%d links=%d bytes_per_identity=%.1f%n", size, store.size(),
                    (after - before) / (double) size);
            store.close();
        }
    }

    /** Collects until the heap in use stops shrinking, since one System.gc() may leave garbage behind. */
    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int round = 0; round < 10; round++) {
            System.gc();
            long now = memory.getHeapMemoryUsage().getUsed();
            if (now >= used) {
                return now;
            }
            used = now;
        }
        return used;
    }

}

package io.eventrouter.benchmark.identity;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.eventrouter.core.identity.DeviceLink;
import io.eventrouter.core.identity.EmbeddedIdentityStore;
import io.eventrouter.core.identity.UserActivity;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The embedded store under a mixed workload: each invocation makes ten lookups, alternately a
 * device's user and a user's activity, and one link update, a user's activity with a later time.
 * The score is lookups per second on one thread, with the update's cost included, and each
 * iteration also prints lookups per second of the thread's CPU time.
 *
 * <p>Run: {@code java -jar identity-benchmark/target/identity-benchmark.jar MixedWorkload}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class MixedWorkloadBenchmark {

    private static final int LOOKUPS_PER_UPDATE = 10;

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** Long enough that the sequence repeats rarely, short enough to stay a few megabytes. */
    private static final int SEQUENCE_LENGTH = 1 << 22;

    @Param({"1000", "100000", "1000000", "10000000"})
    int identities;

    @Param({"UNIFORM", "SKEWED"})
    KeyDistribution distribution;

    private Population population;

    private EmbeddedIdentityStore store;

    private int[] sequence;

    private int position;

    private long time = Population.SESSION;

    private long invocations;

    private long cpuStart;

    @Setup(Level.Trial)
    public void populate() {
        this.population = Population.generate(this.identities, 42);
        this.store = this.population.newStore();
        this.population.populate(this.store);
        this.sequence = this.distribution.sequence(SEQUENCE_LENGTH, this.identities, 7);
    }

    @Setup(Level.Iteration)
    public void startClock() {
        this.invocations = 0;
        this.cpuStart = CPU.getCurrentThreadCpuTime();
    }

    /**
     * Prints lookups per second of this thread's CPU time, which, unlike the score, does not
     * drop when other processes on a shared machine take the core away.
     */
    @TearDown(Level.Iteration)
    public void printLookupsPerCpuSecond() {
        double cpuSeconds = (CPU.getCurrentThreadCpuTime() - this.cpuStart) / 1e9;
        System.out.printf(Locale.ROOT, "%n  lookups per CPU second: %.0f%n",
                this.invocations * LOOKUPS_PER_UPDATE / cpuSeconds);
    }

    @TearDown(Level.Trial)
    public void close() {
        this.store.close();
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS_PER_UPDATE)
    public void tenLookupsAndOneUpdate(Blackhole blackhole) {
        for (int lookup = 0; lookup < LOOKUPS_PER_UPDATE; lookup += 2) {
            blackhole.consume(this.store.findDeviceLink(Population.SCOPE, this.population.deviceIds[next()]).block());
            blackhole.consume(this.store.findUserActivity(Population.SCOPE, this.population.userIds[next()]).block());
        }
        int person = next();
        this.time++;
        this.invocations++;
        this.store.recordUserActivity(Population.SCOPE, this.population.userIds[person],
                new UserActivity(this.population.deviceIds[person], Population.SESSION, this.time)).block();
    }

    private int next() {
        int person = this.sequence[this.position];
        this.position = (this.position + 1) & (SEQUENCE_LENGTH - 1);
        return person;
    }

}

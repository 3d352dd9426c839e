package io.eventrouter.benchmark.identity;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.eventrouter.core.identity.EmbeddedIdentityStore;
import io.eventrouter.core.identity.LinkKey;
import io.eventrouter.core.identity.LinkKind;
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
 * The embedded store under a mixed workload: each invocation makes ten lookups, five of a
 * device's user and five of a user's activity, and one link update, a user's activity with a
 * later time. The score is lookups per second on one thread, with the update's cost included,
 * and each iteration also prints lookups per second of the thread's CPU time.
 *
 * <p>Three ways of calling the store, each as the stitcher can:
 * <ul>
 * <li>{@link #batched}: the path the stitcher takes with the embedded store. It announces the
 * invocation's eleven links with {@code prefetch}, as it does for the events of one upload, then
 * makes the lookups and the update with the synchronous methods.
 * <li>{@link #synchronous}: the synchronous methods without the prefetch, to show what it saves.
 * <li>{@link #reactive}: the {@code Mono} methods with {@code block()}, the path the stitcher
 * takes with a store that is not synchronous, and the only one before.
 * </ul>
 * {@link #idsOnly} makes the ids and nothing else, to show how much of each score is the
 * benchmark's own work.
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

    private static final int PAIRS = LOOKUPS_PER_UPDATE / 2;

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

    private final String[] deviceIds = new String[PAIRS];

    private final String[] userIds = new String[PAIRS];

    @Setup(Level.Trial)
    public void populate() {
        this.population = Population.of(this.identities, 42);
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
    public void batched(Blackhole blackhole) {
        int person = drawPeople();
        String updatedUser = Population.userId(person);
        List<LinkKey> links = new ArrayList<>(LOOKUPS_PER_UPDATE + 1);
        for (int pair = 0; pair < PAIRS; pair++) {
            links.add(new LinkKey(LinkKind.DEVICE_USER, this.deviceIds[pair]));
            links.add(new LinkKey(LinkKind.USER_ACTIVITY, this.userIds[pair]));
        }
        links.add(new LinkKey(LinkKind.USER_ACTIVITY, updatedUser));
        this.store.prefetch(Population.SCOPE, links);
        lookUpAndUpdate(blackhole, person, updatedUser);
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS_PER_UPDATE)
    public void synchronous(Blackhole blackhole) {
        int person = drawPeople();
        lookUpAndUpdate(blackhole, person, Population.userId(person));
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS_PER_UPDATE)
    public void reactive(Blackhole blackhole) {
        int person = drawPeople();
        for (int pair = 0; pair < PAIRS; pair++) {
            blackhole.consume(this.store.findDeviceLink(Population.SCOPE, this.deviceIds[pair]).block());
            blackhole.consume(this.store.findUserActivity(Population.SCOPE, this.userIds[pair]).block());
        }
        this.store.recordUserActivity(Population.SCOPE, Population.userId(person), nextActivity(person)).block();
        this.invocations++;
    }

    /**
     * Makes the ids of one invocation and does nothing else with them: the part of every other
     * score that is the benchmark's own work rather than the store's.
     */
    @Benchmark
    @OperationsPerInvocation(LOOKUPS_PER_UPDATE)
    public void idsOnly(Blackhole blackhole) {
        int person = drawPeople();
        blackhole.consume(this.deviceIds);
        blackhole.consume(this.userIds);
        blackhole.consume(Population.userId(person));
        blackhole.consume(this.population.deviceId(person));
        this.invocations++;
    }

    /** Makes the ids of the people looked up and returns the index of the person updated. */
    private int drawPeople() {
        for (int pair = 0; pair < PAIRS; pair++) {
            this.deviceIds[pair] = this.population.deviceId(next());
            this.userIds[pair] = Population.userId(next());
        }
        return next();
    }

    private void lookUpAndUpdate(Blackhole blackhole, int person, String updatedUser) {
        for (int pair = 0; pair < PAIRS; pair++) {
            blackhole.consume(this.store.findDeviceLinkNow(Population.SCOPE, this.deviceIds[pair]));
            blackhole.consume(this.store.findUserActivityNow(Population.SCOPE, this.userIds[pair]));
        }
        this.store.recordUserActivityNow(Population.SCOPE, updatedUser, nextActivity(person));
        this.invocations++;
    }

    private UserActivity nextActivity(int person) {
        this.time++;
        return new UserActivity(this.population.deviceId(person), Population.SESSION, this.time);
    }

    private int next() {
        int person = this.sequence[this.position];
        this.position = (this.position + 1) & (SEQUENCE_LENGTH - 1);
        return person;
    }

}

package io.eventrouter.benchmarks.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToLongFunction;

import io.eventrouter.benchmarks.Arguments;
import io.eventrouter.benchmarks.upload.UploadBodies;
import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.amplitude.UploadEncoder;
import io.eventrouter.core.amplitude.UploadRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operations of {@link UploadCodecBenchmark}, measured in uploads per second of the thread's
 * CPU time instead of wall-clock time, for machines where other processes take the CPU away.
 *
 * <p>The operations take turns in short slices, so that every operation runs under the same load
 * from other processes, and each slice is timed with {@link ThreadMXBean#getCurrentThreadCpuTime()}, which does
 * not advance while the thread waits for a core. Caches and frequency scaling still depend on the
 * other processes, so ratios between operations are steadier than the absolute figures. This is
 * no substitute for JMH on an idle machine.
 */
public final class CodecCpuComparison {

    private static final int POOL_SIZE = 64;

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    private final JsonMapper mapper = JsonMapper.builder().build();

    private final UploadDecoder decoder = new UploadDecoder();

    /** Keeps the JIT compiler from removing operations whose results are otherwise unused. */
    private long sink;

    /**
     * Maps each operation's name to a function that runs it on upload {@code i} of the pool and
     * returns a number derived from the result.
     */
    private Map<String, IntToLongFunction> operations(List<byte[]> bodies) {
        List<UploadRequest> decoded = bodies.stream().map(this.decoder::decode).toList();
        List<JsonNode> trees = bodies.stream().map(this.mapper::readTree).toList();
        Map<String, IntToLongFunction> operations = new LinkedHashMap<>();
        operations.put("decodeAndValidate", (i) -> this.decoder.decode(bodies.get(i)).events().size());
        operations.put("parseTreeBaseline", (i) -> this.mapper.readTree(bodies.get(i)).size());
        operations.put("encode",
                (i) -> UploadEncoder.encode(decoded.get(i).context(), decoded.get(i).events()).length);
        operations.put("writeTreeBaseline", (i) -> this.mapper.writeValueAsBytes(trees.get(i)).length);
        return operations;
    }

    /**
     * Runs one operation until it has used {@code sliceNanos} of CPU time. Returns the number of
     * operations run and the CPU nanoseconds they used.
     */
    private long[] slice(IntToLongFunction operation, long sliceNanos) {
        long start = this.threads.getCurrentThreadCpuTime();
        long used = 0;
        long count = 0;
        while (used < sliceNanos) {
            for (int i = 0; i < POOL_SIZE; i++) {
                this.sink += operation.applyAsLong(i);
            }
            count += POOL_SIZE;
            used = this.threads.getCurrentThreadCpuTime() - start;
        }
        return new long[] { count, used };
    }

    private void compare(int eventsPerUpload, int warmupSeconds, int seconds, int sliceMillis) {
        List<byte[]> bodies = new UploadBodies(eventsPerUpload).bodies(POOL_SIZE, eventsPerUpload);
        Map<String, IntToLongFunction> operations = operations(bodies);
        long sliceNanos = TimeUnit.MILLISECONDS.toNanos(sliceMillis);
        int warmupRounds = (int) (TimeUnit.SECONDS.toNanos(warmupSeconds) / (sliceNanos * operations.size()));
        int rounds = (int) (TimeUnit.SECONDS.toNanos(seconds) / (sliceNanos * operations.size()));
        for (int round = 0; round < warmupRounds; round++) {
            operations.values().forEach((operation) -> slice(operation, sliceNanos));
        }
        Map<String, long[]> totals = new LinkedHashMap<>();
        operations.keySet().forEach((name) -> totals.put(name, new long[2]));
        for (int round = 0; round < rounds; round++) {
            operations.forEach((name, operation) -> {
                long[] result = slice(operation, sliceNanos);
                totals.get(name)[0] += result[0];
                totals.get(name)[1] += result[1];
            });
        }
        totals.forEach((name, total) -> System.out.printf(Locale.ROOT, "| %s | %d | %.0f |%n", name,
                eventsPerUpload, total[0] / (total[1] / 1e9)));
    }

    /**
     * Prints a Markdown table of uploads per CPU second. Options: {@code --warmup-seconds} (10) and
     * {@code --seconds} (20) of CPU time per upload size, shared by the four operations, and
     * {@code --slice-ms} (20) of CPU time per turn.
     */
    public static void main(String[] args) {
        Arguments options = Arguments.parse(args);
        CodecCpuComparison comparison = new CodecCpuComparison();
        System.out.println("| operation | events per upload | uploads per CPU second |");
        System.out.println("|---|---|---|");
        for (int eventsPerUpload : List.of(10, 100)) {
            comparison.compare(eventsPerUpload, options.intValue("warmup-seconds", 10),
                    options.intValue("seconds", 20), options.intValue("slice-ms", 20));
        }
        System.out.println("(checksum " + comparison.sink + ")");
    }

}

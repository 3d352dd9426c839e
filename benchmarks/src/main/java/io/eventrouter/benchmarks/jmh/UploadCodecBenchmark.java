package io.eventrouter.benchmarks.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.eventrouter.benchmarks.upload.UploadBodies;
import io.eventrouter.core.amplitude.UploadDecoder;
import io.eventrouter.core.amplitude.UploadEncoder;
import io.eventrouter.core.amplitude.UploadRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The per-request work of the router's hot path next to what plain Jackson does with the same
 * bytes: {@code decodeAndValidate} (what the bridge does with every upload) against
 * {@code parseTreeBaseline}, and {@code encode} (what the Amplitude destination does with every
 * batch) against {@code writeTreeBaseline}.
 *
 * <p>Each invocation handles one upload of {@code eventsPerUpload} events, taken in turn from a
 * pool of distinct bodies so that the branch predictor and caches do not see one body only.
 * Scores are uploads per second; multiply by {@code eventsPerUpload} for events per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UploadCodecBenchmark {

    private static final int POOL_SIZE = 64;

    @Param({ "10", "100" })
    public int eventsPerUpload;

    private final JsonMapper mapper = JsonMapper.builder().build();

    private final UploadDecoder decoder = new UploadDecoder();

    private List<byte[]> bodies = List.of();

    private List<UploadRequest> decoded = List.of();

    private List<JsonNode> trees = List.of();

    private int next;

    @Setup(Level.Trial)
    public void generateBodies() {
        this.bodies = new UploadBodies(this.eventsPerUpload).bodies(POOL_SIZE, this.eventsPerUpload);
        this.decoded = this.bodies.stream().map(this.decoder::decode).toList();
        this.trees = this.bodies.stream().map(this.mapper::readTree).toList();
    }

    @Benchmark
    public UploadRequest decodeAndValidate() {
        return this.decoder.decode(this.bodies.get(nextIndex()));
    }

    @Benchmark
    public JsonNode parseTreeBaseline() {
        return this.mapper.readTree(this.bodies.get(nextIndex()));
    }

    @Benchmark
    public byte[] encode() {
        UploadRequest request = this.decoded.get(nextIndex());
        return UploadEncoder.encode(request.context(), request.events());
    }

    @Benchmark
    public byte[] writeTreeBaseline() {
        return this.mapper.writeValueAsBytes(this.trees.get(nextIndex()));
    }

    private int nextIndex() {
        this.next = (this.next + 1) % POOL_SIZE;
        return this.next;
    }

}

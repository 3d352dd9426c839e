package io.eventrouter.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Turns the load run's measurements, one tab-separated line per wrk run as
 * {@code benchmarks/run-load.sh} writes them, into the Markdown tables of docs/benchmarks.md: the
 * median of each figure over the repeats, the router's figure next to its baseline's, and the
 * ratio against each target.
 */
public final class LoadReport {

    private final List<Run> runs;

    private final StringBuilder out = new StringBuilder();

    LoadReport(List<Run> runs) {
        this.runs = runs;
    }

    /**
     * One wrk run against one server, with the stand-in endpoint's counters around it.
     *
     * @param scenario accept10, e2e100 or slow64
     * @param target router, baseline or nginx
     * @param requests responses wrk received, errors included
     * @param durationMicros how long wrk ran
     * @param non2xx responses with a status of 400 or more
     * @param upstreamRequestsInWindow requests the stand-in received while wrk ran
     * @param upstreamEventsInWindow events the stand-in received while wrk ran
     * @param upstreamRequestsDrained requests the stand-in received until the router's backlog drained
     * @param upstreamEventsDrained events the stand-in received until the router's backlog drained
     * @param deliverySpanMillis from the start of the run to the stand-in's last request, backlog included
     * @param cpuMillisInWindow CPU time the server used while wrk ran
     * @param cpuMillisDrained CPU time the server used until its backlog drained
     */
    record Run(String scenario, String target, int repeat, long requests, long durationMicros, long non2xx,
            long socketErrors, long p50Micros, long p99Micros, long upstreamRequestsInWindow,
            long upstreamEventsInWindow, long upstreamRequestsDrained, long upstreamEventsDrained,
            long deliverySpanMillis, int eventsPerRequest, long cpuMillisInWindow, long cpuMillisDrained) {

        static Run parse(String line) {
            String[] f = line.split("\t");
            return new Run(f[0], f[1], Integer.parseInt(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]),
                    Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]), Long.parseLong(f[8]),
                    Long.parseLong(f[9]), Long.parseLong(f[10]), Long.parseLong(f[11]), Long.parseLong(f[12]),
                    Long.parseLong(f[13]), Integer.parseInt(f[14]), Long.parseLong(f[15]), Long.parseLong(f[16]));
        }

        double seconds() {
            return this.durationMicros / 1e6;
        }

        /** Successful responses per second; errors and 503s do not count. */
        double successesPerSecond() {
            return (this.requests - this.non2xx) / seconds();
        }

        double acceptedEventsPerSecond() {
            return successesPerSecond() * this.eventsPerRequest;
        }

        /** Events delivered while wrk ran, per second of the run. */
        double deliveredInWindowPerSecond() {
            return this.upstreamEventsInWindow / seconds();
        }

        /** Returns the events delivered for this run per second from the run's start to the last delivery. */
        double deliveredEventsPerSecond() {
            return (this.deliverySpanMillis <= 0) ? Double.NaN
                    : this.upstreamEventsDrained / (this.deliverySpanMillis / 1000.0);
        }

        /** Successful responses per second of the server's CPU time. */
        double successesPerCpuSecond() {
            return (this.requests - this.non2xx) / (this.cpuMillisInWindow / 1000.0);
        }

        /**
         * Events per second of the server's CPU time. For a server that delivers upstream, these are
         * the events it delivered for this run, over its CPU time until its backlog drained.
         * Otherwise they are the events it accepted, over its CPU time while wrk ran.
         */
        double eventsPerCpuSecond() {
            return (this.upstreamEventsDrained > 0)
                    ? this.upstreamEventsDrained / (this.cpuMillisDrained / 1000.0)
                    : (this.requests - this.non2xx) * this.eventsPerRequest / (this.cpuMillisInWindow / 1000.0);
        }

        double p99Millis() {
            return this.p99Micros / 1000.0;
        }

        double upstreamRequestsPerThousandEvents() {
            return (this.upstreamEventsDrained == 0) ? Double.NaN
                    : 1000.0 * this.upstreamRequestsDrained / this.upstreamEventsDrained;
        }

    }

    String render() {
        acceptSection();
        endToEndSection();
        slowUpstreamSection();
        runsSection();
        return this.out.toString();
    }

    private void acceptSection() {
        heading("Accepting uploads of 10 events (validate, spool, respond)");
        tableHeader("router", "bare parsing server");
        compare("successful requests/s", "accept10", "baseline", Run::successesPerSecond, 0.7, true);
        compare("successful requests per CPU second", "accept10", "baseline", Run::successesPerCpuSecond, 0.7,
                true);
        compare("p99 latency, ms", "accept10", "baseline", Run::p99Millis, Double.NaN, false);
        compare("non-2xx responses", "accept10", "baseline", (run) -> run.non2xx(), Double.NaN, false);
    }

    private void endToEndSection() {
        heading("End to end, uploads of 100 events (ingest, spool, dispatch, deliver to the stand-in)");
        this.out.append("Router: every event delivered to the stand-in for the run, per second from the run's "
                + "start to the last delivery. Baseline: events parsed per second.\n\n");
        tableHeader("router", "bare parsing server");
        compare("events/s", "e2e100", "baseline", (run) -> run.target().equals("router")
                ? run.deliveredEventsPerSecond() : run.acceptedEventsPerSecond(), 0.4, true);
        compare("events per CPU second", "e2e100", "baseline", Run::eventsPerCpuSecond, 0.4, true);
        compare("events/s accepted", "e2e100", "baseline", Run::acceptedEventsPerSecond, Double.NaN, true);
        compare("events/s delivered while wrk ran", "e2e100", "baseline", (run) -> run.target().equals("router")
                ? run.deliveredInWindowPerSecond() : run.acceptedEventsPerSecond(), Double.NaN, true);
        compare("non-2xx responses", "e2e100", "baseline", (run) -> run.non2xx(), Double.NaN, false);
    }

    private void slowUpstreamSection() {
        heading("Stand-in responding after 50 ms, 64 connections, uploads of 10 events");
        tableHeader("router", "nginx proxy_pass");
        compare("successful requests/s", "slow64", "nginx", Run::successesPerSecond, 5.0, true);
        compare("successful requests per CPU second", "slow64", "nginx", Run::successesPerCpuSecond, Double.NaN,
                true);
        compare("p99 latency, ms", "slow64", "nginx", Run::p99Millis, 0.2, false);
        compare("upstream requests per 1000 events", "slow64", "nginx", Run::upstreamRequestsPerThousandEvents, 0.1,
                false);
        compare("non-2xx responses", "slow64", "nginx", (run) -> run.non2xx(), Double.NaN, false);
    }

    private void runsSection() {
        heading("Every run");
        this.out.append("| scenario | server | run | requests | non-2xx | socket errors | requests/s | p50 ms "
                + "| p99 ms | upstream requests | upstream events | server CPU s |\n");
        this.out.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : this.runs) {
            this.out.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %.0f | %.1f | %.1f | %d "
                    + "| %d | %.1f |%n", run.scenario(), run.target(), run.repeat(), run.requests(), run.non2xx(),
                    run.socketErrors(), run.successesPerSecond(), run.p50Micros() / 1000.0, run.p99Millis(),
                    run.upstreamRequestsDrained(), run.upstreamEventsDrained(), run.cpuMillisInWindow() / 1000.0));
        }
    }

    private void heading(String title) {
        this.out.append("\n#### ").append(title).append("\n\n");
    }

    private void tableHeader(String router, String baseline) {
        this.out.append("| figure (median of runs) | ").append(router).append(" | ").append(baseline)
                .append(" | ratio of medians | median of per-run ratios | target | result |\n")
                .append("|---|---|---|---|---|---|---|\n");
    }

    /**
     * Adds one row comparing the router with a baseline. With {@code atLeast} the ratio must reach
     * the target, otherwise stay under it. A NaN target marks a figure shown for context only. The
     * result uses the ratio of the medians.
     */
    private void compare(String figure, String scenario, String baseline, ToDoubleFunction<Run> value,
            double target, boolean atLeast) {
        double router = median(scenario, "router", value);
        double base = median(scenario, baseline, value);
        double ratio = router / base;
        String targetText = "";
        String result = "";
        if (!Double.isNaN(target)) {
            targetText = (atLeast ? "≥ " : "≤ ") + format(target);
            boolean pass = atLeast ? ratio >= target : ratio <= target;
            if (!Double.isFinite(ratio)) {
                result = "n/a";
            }
            else {
                result = pass ? "**pass**" : "**fail**";
            }
        }
        this.out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", figure, format(router),
                format(base), formatRatio(ratio), formatRatio(medianOfRatios(scenario, baseline, value)), targetText,
                result));
    }

    /** Pairs each router run with the baseline run of the same repeat, which ran next to it. */
    private double medianOfRatios(String scenario, String baseline, ToDoubleFunction<Run> value) {
        List<Double> ratios = new ArrayList<>();
        for (Run router : select(scenario, "router")) {
            select(scenario, baseline).stream()
                    .filter((run) -> run.repeat() == router.repeat())
                    .findFirst()
                    .ifPresent((run) -> ratios.add(value.applyAsDouble(router) / value.applyAsDouble(run)));
        }
        return median(ratios);
    }

    private List<Run> select(String scenario, String target) {
        return this.runs.stream()
                .filter((run) -> run.scenario().equals(scenario) && run.target().equals(target))
                .toList();
    }

    private double median(String scenario, String target, ToDoubleFunction<Run> value) {
        return median(select(scenario, target).stream().map(value::applyAsDouble).toList());
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted(Comparator.naturalOrder()).toList();
        int middle = sorted.size() / 2;
        return (sorted.size() % 2 == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static String formatRatio(double ratio) {
        return Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.3f", ratio) : "n/a";
    }

    private static String format(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        return (Math.abs(value) >= 100) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.2f", value);
    }

    /** Prints the report for a results file written by the load script. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("Usage: LoadReport RESULTS_TSV");
            System.exit(2);
        }
        List<Run> runs = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                runs.add(Run.parse(line));
            }
        }
        System.out.print(new LoadReport(runs).render());
    }

}

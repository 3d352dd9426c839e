package io.eventrouter.benchmarks.load;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LoadReportTests {

    @Test
    void acceptTargetPassesAtSevenTenthsOfBaseline() {
        List<LoadReport.Run> runs = List.of(run("accept10", "router", 700), run("accept10", "baseline", 1000));

        String report = new LoadReport(runs).render();

        assertThat(report).contains("| successful requests/s | 70.00 | 100 | 0.700 | 0.700 | ≥ 0.70 | **pass** |");
    }

    @Test
    void acceptTargetFailsBelowSevenTenthsOfBaseline() {
        List<LoadReport.Run> runs = List.of(run("accept10", "router", 690), run("accept10", "baseline", 1000));

        String report = new LoadReport(runs).render();

        assertThat(report).contains("| successful requests/s | 69.00 | 100 | 0.690 | 0.690 | ≥ 0.70 | **fail** |");
    }

    @Test
    void takesMedianOfRepeats() {
        List<LoadReport.Run> runs = List.of(run("accept10", "router", 1, 100), run("accept10", "router", 2, 900),
                run("accept10", "router", 3, 800), run("accept10", "baseline", 1, 1000));

        String report = new LoadReport(runs).render();

        assertThat(report).contains("| successful requests/s | 80.00 | 100 | 0.800 |");
    }

    @Test
    void pairsRunsByRepeat() {
        List<LoadReport.Run> runs = List.of(run("accept10", "router", 1, 100), run("accept10", "baseline", 1, 200),
                run("accept10", "router", 2, 900), run("accept10", "baseline", 2, 1000),
                run("accept10", "router", 3, 300), run("accept10", "baseline", 3, 1000));

        String report = new LoadReport(runs).render();

        assertThat(report).contains("| successful requests/s | 30.00 | 100 | 0.300 | 0.500 |");
    }

    @Test
    void parsesLineOfLoadScript() {
        LoadReport.Run run = LoadReport.Run.parse("e2e100\trouter\t2\t500\t10000000\t0\t0\t900\t4000\t10\t4900"
                + "\t11\t5000\t12500\t100\t8000\t10000");

        assertThat(run.deliveredEventsPerSecond()).isEqualTo(400.0);
        assertThat(run.eventsPerCpuSecond()).isEqualTo(500.0);
    }

    /** A 10-second run with {@code requests} successful responses. */
    private static LoadReport.Run run(String scenario, String target, long requests) {
        return run(scenario, target, 1, requests);
    }

    /** A 10-second run of one repeat with {@code requests} successful responses and 10 s of CPU time. */
    private static LoadReport.Run run(String scenario, String target, int repeat, long requests) {
        return new LoadReport.Run(scenario, target, repeat, requests, 10_000_000, 0, 0, 1000, 2000, 0, 0, 0, 0, 0, 10,
                10_000, 10_000);
    }

}

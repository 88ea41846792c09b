package dev.flint.loadtests;

import java.util.List;

/** One benchmark: measures its figures and their baselines in the same run. */
interface Scenario {
    String name();

    List<Metric> run(BenchContext ctx) throws Exception;
}

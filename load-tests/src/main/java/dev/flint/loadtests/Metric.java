package dev.flint.loadtests;

/**
 * One measured figure beside its baseline from the same run.
 *
 * @param scenario the scenario that measured it
 * @param name what was measured
 * @param value the figure
 * @param unit its unit
 * @param baseline what it is compared with (empty for an absolute target)
 * @param baselineValue the baseline's figure in the same unit
 * @param ratio value / baseline (paired where the samples were interleaved), or NaN
 * @param target the promise from docs/SPEC.md, in words
 * @param pass whether the target holds in this run
 */
record Metric(String scenario, String name, double value, String unit, String baseline, double baselineValue,
        double ratio, String target, boolean pass) {}

package dev.flint.loadtests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./flint bench [SCENARIO...] [--quick]}: every performance promise of docs/SPEC.md, with its baseline. */
@Command(name = "flint bench", mixinStandardHelpOptions = true,
        description = "Measure Flint against its baselines in one run and write docs/bench/ (latest.md, latest.svg, run-*.json).")
public final class BenchMain implements Callable<Integer> {
    private static final List<Scenario> ALL = List.of(new SandboxStartScenario(), new PoolFillScenario(), new IdleMemoryScenario(),
            new LayerImportScenario(), new CodeLayerScenario(), new InvokeShellScenario(), new InvokePythonFirstScenario(),
            new InvokePythonWarmScenario(), new IdlePythonScenario(), new GatewayScenario(), new ActivationListScenario(),
            new KafkaFeedScenario());

    @Parameters(paramLabel = "SCENARIO", description = "Scenarios to run (default all): sandbox-start, pool-fill, idle-memory, layer-import, code-layer, invoke-shell, invoke-python-first, invoke-python-warm, idle-python, gateway, activation-list, kafka-feed.")
    List<String> names = new ArrayList<>();

    @Option(names = "--quick", description = "Run each scenario briefly: proves the benchmarks work, figures are rough.")
    boolean quick;

    @Option(names = "--rootfs", required = true, description = "The busybox rootfs every path runs on.")
    Path rootfs;

    @Option(names = "--out", defaultValue = "docs/bench", description = "Where the report goes (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--commit", defaultValue = "unknown", description = "The git commit measured.")
    String commit;

    @Option(names = "--compare-jar", paramLabel = "JAR", description = "Interleave this build with the bench jar of another build (the launcher's --compare REV sets it).")
    Path compareJar;

    @Option(names = "--compare-name", defaultValue = "other build", hidden = true)
    String compareName;

    @Option(names = "--serve", hidden = true, description = "Answer measurement steps on stdin (used by --compare).")
    boolean serve;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (serve || compareJar != null) {
            return serveOrCompare();
        }
        List<Scenario> chosen = new ArrayList<>();
        for (String n : names) {
            chosen.add(ALL.stream().filter(s -> s.name().equals(n)).findFirst()
                    .orElseThrow(() -> new CommandLine.ParameterException(new CommandLine(this),
                            "unknown scenario " + n + "; known: " + String.join(", ", ALL.stream().map(Scenario::name).toList()))));
        }
        if (chosen.isEmpty()) {
            chosen.addAll(ALL);
        }
        Path work = Files.createTempDirectory("flint-bench");
        BenchContext ctx = new BenchContext(rootfs.toAbsolutePath(), work, quick, System.err);
        List<Metric> metrics = new ArrayList<>();
        try {
            for (Scenario s : chosen) {
                System.err.println("flint bench: " + s.name());
                metrics.addAll(s.run(ctx));
            }
        } finally {
            deleteTree(work);
        }
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        Report report = new Report(machine(now), metrics, ctx.samples());
        System.out.print(report.markdown());
        report.write(out, now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        System.err.println("flint bench: wrote " + out.resolve("latest.md") + ", latest.svg and a run-*.json");
        return 0;
    }

    private int serveOrCompare() throws Exception {
        if (serve) {
            Path work = Files.createTempDirectory("flint-bench-serve");
            try {
                return StepServer.serve(new BenchContext(rootfs.toAbsolutePath(), work, quick, System.err));
            } finally {
                deleteTree(work);
            }
        }
        Path self = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        int slower = Compare.run(self, compareJar, compareName, rootfs.toAbsolutePath(), quick, System.out);
        System.err.println(slower == 0 ? "flint bench: no step is more than 10% slower in B"
                : "flint bench: " + slower + " step(s) more than 10% slower in B");
        return 0;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Map<String, String> machine(ZonedDateTime now) throws java.io.IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", now.format(DateTimeFormatter.ISO_LOCAL_DATE) + " " + now.format(DateTimeFormatter.ofPattern("HH:mm")) + " UTC");
        m.put("commit", commit);
        m.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
        m.put("kernel", Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
        m.put("cgroup", Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "v2" : "v1 (hybrid)");
        m.put("quick", String.valueOf(quick));
        return m;
    }
}

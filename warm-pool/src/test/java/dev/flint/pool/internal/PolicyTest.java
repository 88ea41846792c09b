package dev.flint.pool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flint.pool.FunctionKey;
import dev.flint.pool.HitKind;
import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolConfig;
import dev.flint.pool.internal.Decision.Choice;
import dev.flint.pool.internal.Decision.StemPlan;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The policy functions, each against a table. Idle warm sandboxes are written
 * {@code function@image:lastUsedSecond/MiB} separated by spaces (MiB defaults to 1); their ids are
 * their positions, from 1. Images are single letters.
 */
class PolicyTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long MIB = 1 << 20;

    @ParameterizedTest(name = "[{index}] idle=''{0}'' stem={1} acquire {2}@{3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # idle warm                  | ready stem | function | image | choice
            -                            | 0          | f        | a     | COLD
            -                            | 3          | f        | a     | STEM
            f@a:10                       | 0          | f        | a     | WARM 1
            f@a:10                       | 2          | f        | a     | WARM 1
            g@a:10                       | 0          | f        | a     | COLD
            g@a:10                       | 1          | f        | a     | STEM
            f@b:10                       | 0          | f        | a     | COLD
            f@a:10 f@a:30 f@a:20         | 0          | f        | a     | WARM 2
            g@a:50 f@a:10 h@a:60         | 5          | f        | a     | WARM 2
            f@b:50 f@a:10                | 0          | f        | a     | WARM 2
            """)
    void choose_prefersWarmOfTheSameFunctionAndImage_thenStem_thenCold(
            String idle, int readyStem, String function, String image, String expected) {
        Choice c = Policy.choose(warm(idle), readyStem, FunctionKey.parse(function), img(image));

        assertEquals(expected, c.kind() == HitKind.WARM ? "WARM " + c.warmId() : c.kind().name());
    }

    @ParameterizedTest(name = "[{index}] demand={0} in [{1},{2}] -> {3}")
    @CsvSource(textBlock = """
            0,  0, 10, 0
            0,  2, 10, 2
            5,  2, 10, 5
            10, 2, 10, 10
            50, 2, 10, 10
            3,  0, 0,  0
            3,  3, 3,  3
            """)
    void stemTarget_isRecentDemandClampedToMinAndMax(int demand, int min, int max, int expected) {
        assertEquals(expected, Policy.stemTarget(demand, min, max));
    }

    @ParameterizedTest(name = "[{index}] target={0} ready={1} pending={2} -> create {3}, retire {4}")
    @CsvSource(textBlock = """
            4, 0, 0, 4, 0
            4, 1, 2, 1, 0
            4, 4, 0, 0, 0
            4, 0, 4, 0, 0
            2, 5, 0, 0, 3
            2, 1, 3, 0, 1
            0, 0, 3, 0, 0
            0, 2, 0, 0, 2
            """)
    void stemPlan_createsWhatIsMissing_andRetiresOnlyReadyOnesAboveTarget(
            int target, int ready, int pending, int create, int retire) {
        assertEquals(new StemPlan(target, create, retire), Policy.stemPlan(target, ready, pending));
    }

    @ParameterizedTest(name = "[{index}] idle=''{0}'' leased={1}MiB budget={2}MiB -> evict {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # idle warm                  | leased MiB | budget MiB | evicted ids
            -                            | 0          | 4          | -
            f@a:1 g@a:2                  | 0          | 4          | -
            f@a:1 g@a:2 h@a:3 i@a:4      | 0          | 4          | -
            f@a:1 g@a:2 h@a:3 i@a:4      | 1          | 4          | 1
            f@a:3 g@a:1 h@a:2 i@a:4      | 2          | 4          | 2 3
            f@a:1/3 g@a:2                | 0          | 2          | 1
            f@a:1 g@a:2                  | 9          | 4          | 1 2
            f@a:5 g@a:5                  | 1          | 2          | 1
            """)
    void evictions_takeLeastRecentlyUsedIdleOnes_untilUnderTheBudget(String idle, long leasedMib, long budgetMib, String expected) {
        assertEquals(ids(expected), Policy.evictions(warm(idle), leasedMib * MIB, budgetMib * MIB));
    }

    @ParameterizedTest(name = "[{index}] idle=''{0}'' now={1}s ttl={2}s -> expire {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # idle warm                  | now s | ttl s | expired ids
            -                            | 100   | 10    | -
            f@a:95                       | 100   | 10    | -
            f@a:90                       | 100   | 10    | 1
            f@a:80 g@a:95 h@a:70         | 100   | 10    | 3 1
            f@a:80 g@a:95 h@a:70         | 100   | 60    | -
            """)
    void expirations_areIdleOnesUnusedForTheTtl_oldestFirst(String idle, long now, long ttl, String expected) {
        assertEquals(ids(expected), Policy.expirations(warm(idle), T0.plusSeconds(now), Duration.ofSeconds(ttl)));
    }

    @ParameterizedTest(name = "[{index}] idle=''{0}'' stem={1}+{2} demand={3} leased={4}MiB -> {5}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # idle warm   | ready | pending | demand | leased MiB | choice, stem plan (target create), evicted
            -             | 0     | 0       | 0      | 0          | COLD 1 1 -
            -             | 1     | 0       | 0      | 0          | STEM 1 1 -
            -             | 2     | 0       | 4      | 0          | STEM 5 4 -
            -             | 0     | 3       | 9      | 0          | COLD 8 5 -
            f@a:1         | 0     | 0       | 4      | 0          | WARM 4 4 -
            g@a:1 h@a:2   | 1     | 0       | 0      | 2          | STEM 1 1 1
            g@a:1 f@a:2   | 0     | 0       | 0      | 4          | WARM 1 1 -
            """)
    void onAcquire_choosesCountsDemandOnAMiss_andEvictsForANewSandbox(
            String idle, int ready, int pending, int demand, long leasedMib, String expected) {
        PoolState s = new PoolState(warm(idle), leasedMib * MIB, Map.of(img("a"), new StemCount(ready, pending)),
                Map.of(img("a"), demand), config(1, 8, 4, 60));

        Decision.Acquire d = Policy.onAcquire(s, FunctionKey.parse("f"), img("a"), MIB);

        String choice = d.choice().kind().name();
        String evicted = d.evict().isEmpty() ? "-" : d.evict().stream().map(String::valueOf).collect(Collectors.joining(" "));
        assertEquals(expected, choice + " " + d.stem().target() + " " + d.stem().create() + " " + evicted);
    }

    @ParameterizedTest(name = "[{index}] idle=''{0}'' leased={1}MiB -> evict {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # idle warm (budget 3 MiB)   | leased MiB | evicted ids
            f@a:1 g@a:2                  | 0          | -
            f@a:1 g@a:2 h@a:3            | 1          | 1
            f@a:3 g@a:2 h@a:1            | 2          | 3 2
            """)
    void onRelease_evictsLeastRecentlyUsedIdleOnes(String idle, long leasedMib, String expected) {
        PoolState s = new PoolState(warm(idle), leasedMib * MIB, Map.of(), Map.of(), config(0, 4, 3, 60));

        assertEquals(ids(expected), Policy.onRelease(s.idleWarm(), s.leasedBytes(), s.config()).evict());
    }

    @ParameterizedTest(name = "[{index}] stems ''{0}'' demand ''{1}'' -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # ready/pending per image (min 1, max 4) | demand per image | plans (image=target/create/retire)
            a=0/0                                     | -                | a=1/1/0
            a=1/0                                     | -                | -
            a=4/0                                     | -                | a=1/0/3
            a=2/0 b=0/1                               | a=3 b=9          | a=3/1/0 b=4/3/0
            a=1/0 b=1/0                               | a=1              | -
            """)
    void onTick_movesEveryKnownImageTowardItsTarget(String stems, String demand, String expected) {
        Map<ImageLayers, StemCount> counts = Arrays.stream(stems.split(" ")).map(e -> e.split("[=/]"))
                .collect(Collectors.toMap(f -> img(f[0]), f -> new StemCount(Integer.parseInt(f[1]), Integer.parseInt(f[2]))));
        Map<ImageLayers, Integer> demands = demand == null ? Map.of() : Arrays.stream(demand.split(" ")).map(e -> e.split("="))
                .collect(Collectors.toMap(f -> img(f[0]), f -> Integer.parseInt(f[1])));
        PoolState s = new PoolState(List.of(), 0, counts, demands, config(1, 4, 4, 60));

        Decision.Tick d = Policy.onTick(s, T0);

        String plans = d.stems().entrySet().stream()
                .map(e -> name(e.getKey()) + "=" + e.getValue().target() + "/" + e.getValue().create() + "/" + e.getValue().retire())
                .sorted().collect(Collectors.joining(" "));
        assertEquals(expected == null ? "" : expected, plans);
    }

    @ParameterizedTest(name = "[{index}] idle=''{0}'' at {1}s -> expire {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # idle warm (ttl 60 s)       | now s | expired ids
            f@a:10 g@a:50                | 75    | 1
            f@a:10 g@a:50                | 110   | 1 2
            f@a:10 g@a:50                | 30    | -
            """)
    void onTick_expiresIdleOnesPastTheTtl(String idle, long now, String expected) {
        PoolState s = new PoolState(warm(idle), 0, Map.of(), Map.of(), config(0, 4, 64, 60));

        assertEquals(ids(expected), Policy.onTick(s, T0.plusSeconds(now)).expire());
    }

    // ---- table notation ----

    private static PoolConfig config(int min, int max, long budgetMib, long ttlSeconds) {
        return PoolConfig.defaults().withStemCells(min, max).withMemoryBudget(budgetMib * MIB)
                .withIdleTtl(Duration.ofSeconds(ttlSeconds));
    }

    private static ImageLayers img(String name) {
        return ImageLayers.of(Path.of("/layers/" + name));
    }

    private static String name(ImageLayers image) {
        return image.dirs().get(0).getFileName().toString();
    }

    /** {@code f@a:10/2 g@b:20}: function f on image a last used at second 10 with 2 MiB, and so on. */
    private static List<WarmEntry> warm(String table) {
        List<WarmEntry> out = new ArrayList<>();
        if (table == null) {
            return out;
        }
        for (String e : table.trim().split("\\s+")) {
            String[] f = e.split("[@:/]");
            long mib = f.length > 3 ? Long.parseLong(f[3]) : 1;
            out.add(new WarmEntry(out.size() + 1, FunctionKey.parse(f[0]), img(f[1]),
                    T0.plusSeconds(Long.parseLong(f[2])), mib * MIB));
        }
        return out;
    }

    private static List<Long> ids(String list) {
        return list == null ? List.of() : Arrays.stream(list.trim().split("\\s+")).map(Long::valueOf).toList();
    }
}

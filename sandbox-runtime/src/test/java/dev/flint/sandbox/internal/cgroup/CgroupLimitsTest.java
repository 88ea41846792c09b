package dev.flint.sandbox.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flint.sandbox.SandboxException;
import org.junit.jupiter.api.Test;

class CgroupLimitsTest {

    @Test
    void zeroPeriod_meansTheKernelDefaultPeriod() {
        assertEquals(100_000, new CgroupLimits(0, 50_000, 0, 0).effectiveCpuPeriodMicros());
        assertEquals(250_000, new CgroupLimits(0, 50_000, 250_000, 0).effectiveCpuPeriodMicros());
    }

    @Test
    void valuesTheKernelWouldRefuse_areRejectedNamingTheField() {
        assertEquals("memoryBytes", rejected(() -> new CgroupLimits(-1, 0, 0, 0)));
        assertEquals("cpuQuotaMicros", rejected(() -> new CgroupLimits(0, 999, 0, 0)));
        assertEquals("cpuPeriodMicros", rejected(() -> new CgroupLimits(0, 0, 999, 0)));
        assertEquals("cpuPeriodMicros", rejected(() -> new CgroupLimits(0, 0, 1_000_001, 0)));
        assertEquals("pidsMax", rejected(() -> new CgroupLimits(0, 0, 0, -1)));
    }

    @Test
    void rejection_saysWhatWasGiven() {
        SandboxException.InvalidSpec e =
                assertThrows(SandboxException.InvalidSpec.class, () -> new CgroupLimits(0, 10, 0, 0));

        assertEquals("cpuQuotaMicros: must be 0 (no limit) or at least 1000, got 10", e.getMessage());
    }

    private static String rejected(Runnable construct) {
        return assertThrows(SandboxException.InvalidSpec.class, construct::run).field();
    }
}

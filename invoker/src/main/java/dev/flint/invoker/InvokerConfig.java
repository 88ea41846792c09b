package dev.flint.invoker;

import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolConfig;

/**
 * How an {@link Invoker} sizes its sandboxes, its pool and its queues. Immutable; a bad value is an
 * {@link InvokerException.Invalid} naming the field.
 *
 * @param pool the warm pool's budgets and targets
 * @param pythonImage the layers of flint/python:3, whose stem cells hold a started interpreter; null
 *     when no Python functions are served
 * @param sandboxMemoryBytes the memory limit a stem cell is made with; a function that takes one
 *     sets its own limit
 * @param cpus CPU cores each sandbox may use
 * @param pidsMax processes each sandbox may have
 * @param scratchBytes the size of each sandbox's writable scratch layer
 * @param queueBound invocations of one function that may wait for a free slot; more are rejected
 * @param maxResultBytes the largest result a function may return
 * @param pythonZygote whether Python instances are forked from one interpreter per image that has
 *     done its imports (ADR 0015: an idle instance then costs only the pages it wrote) rather than
 *     each started in its sandbox
 */
public record InvokerConfig(
        PoolConfig pool,
        ImageLayers pythonImage,
        long sandboxMemoryBytes,
        double cpus,
        int pidsMax,
        long scratchBytes,
        int queueBound,
        long maxResultBytes,
        boolean pythonZygote) {

    private static final long MIB = 1L << 20;

    public InvokerConfig {
        if (pool == null) {
            throw new InvokerException.Invalid("pool", "pool settings are missing", "use PoolConfig.defaults()");
        }
        if (sandboxMemoryBytes < 16 * MIB) {
            throw new InvokerException.Invalid("sandboxMemoryBytes", sandboxMemoryBytes + " bytes", "at least 16 MiB");
        }
        if (scratchBytes < MIB || scratchBytes >= sandboxMemoryBytes) {
            throw new InvokerException.Invalid("scratchBytes", scratchBytes + " bytes", "at least 1 MiB and below the memory limit");
        }
        if (queueBound < 0 || queueBound > 100_000) {
            throw new InvokerException.Invalid("queueBound", Integer.toString(queueBound), "0 to 100000");
        }
        if (maxResultBytes < 1024 || maxResultBytes > 64 * MIB) {
            throw new InvokerException.Invalid("maxResultBytes", maxResultBytes + " bytes", "1 KiB to 64 MiB");
        }
    }

    /** 256 MiB, 1 core, 256 processes and 64 MiB scratch per sandbox; 64 waiting per function; 1 MiB results (OpenWhisk's). */
    public static InvokerConfig defaults(ImageLayers pythonImage) {
        return new InvokerConfig(PoolConfig.defaults(), pythonImage, 256 * MIB, 1.0, 256, 64 * MIB, 64, MIB, true);
    }

    public InvokerConfig withPool(PoolConfig newPool) {
        return new InvokerConfig(newPool, pythonImage, sandboxMemoryBytes, cpus, pidsMax, scratchBytes, queueBound, maxResultBytes, pythonZygote);
    }

    public InvokerConfig withQueueBound(int bound) {
        return new InvokerConfig(pool, pythonImage, sandboxMemoryBytes, cpus, pidsMax, scratchBytes, bound, maxResultBytes, pythonZygote);
    }

    public InvokerConfig withSandboxMemory(long bytes, long scratch) {
        return new InvokerConfig(pool, pythonImage, bytes, cpus, pidsMax, scratch, queueBound, maxResultBytes, pythonZygote);
    }

    /** With {@code false}, every Python instance is a process started in its sandbox (no zygote). */
    public InvokerConfig withPythonZygote(boolean on) {
        return new InvokerConfig(pool, pythonImage, sandboxMemoryBytes, cpus, pidsMax, scratchBytes, queueBound, maxResultBytes, on);
    }
}

package dev.flint.invoker.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flint.invoker.ActivationRecord;
import dev.flint.invoker.Status;

/**
 * How a function's process answered one invocation, before the invoker stamps it into a record.
 *
 * @param status how it ended
 * @param result what it returned, or {@code {"error": ...}}
 * @param reusable whether its sandbox may serve the function again (not after a timeout, an OOM or
 *     a broken runtime)
 * @param peakMemoryBytes the sandbox's peak memory during the invocation, 0 when unknown
 */
public record RunReport(Status status, ObjectNode result, boolean reusable, long peakMemoryBytes) {

    public static RunReport failed(Status status, String error, boolean reusable, long peakMemoryBytes) {
        return new RunReport(status, ActivationRecord.error(error), reusable, peakMemoryBytes);
    }
}

package dev.flint.pool.internal;

import dev.flint.pool.ImageLayers;
import dev.flint.pool.PoolConfig;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of the pool, the input of every {@link Policy} function. Immutable.
 *
 * @param idleWarm warm sandboxes not leased now
 * @param leasedBytes memory limits of the sandboxes leased now (they count against the budget)
 * @param stemCells stem cells per known image; an image is known once acquired or prewarmed
 * @param recentDemand per image, the acquires that found no warm sandbox within the demand window
 * @param config budgets and targets
 */
public record PoolState(
        List<WarmEntry> idleWarm,
        long leasedBytes,
        Map<ImageLayers, StemCount> stemCells,
        Map<ImageLayers, Integer> recentDemand,
        PoolConfig config) {

    public PoolState {
        idleWarm = List.copyOf(idleWarm);
        stemCells = Map.copyOf(stemCells);
        recentDemand = Map.copyOf(recentDemand);
    }

    StemCount stemCellsOf(ImageLayers image) {
        return stemCells.getOrDefault(image, StemCount.NONE);
    }

    int demandOf(ImageLayers image) {
        return recentDemand.getOrDefault(image, 0);
    }
}

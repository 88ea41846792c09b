package dev.flint.pool;

import java.util.Map;

/**
 * The pool's counters and sizes at one moment, read together under the pool's lock (so they agree
 * with each other). Counters only grow; sizes are now. Meant to be bound to metrics later.
 *
 * @param warmHits acquires served by a warm sandbox of the same function
 * @param stemHits acquires served by a stem cell
 * @param coldHits acquires that created a sandbox on the request
 * @param stemCellsReady ready stem cells per known image
 * @param stemCellsPending stem cells being created in the background, all images
 * @param idleWarm warm sandboxes not leased now
 * @param leased sandboxes leased now
 * @param warmBytes memory limits of idle warm plus leased sandboxes (what the budget bounds)
 * @param created sandboxes created (stem cells and cold ones)
 * @param destroyed sandboxes destroyed, whatever the reason
 * @param evicted idle warm sandboxes destroyed for the memory budget
 * @param expired idle warm sandboxes destroyed after the idle TTL
 * @param retired ready stem cells destroyed because demand fell
 * @param discarded leases given back as not reusable (their sandboxes destroyed)
 * @param failures creations (background) and destructions that failed
 */
public record PoolSnapshot(
        long warmHits,
        long stemHits,
        long coldHits,
        Map<ImageLayers, Integer> stemCellsReady,
        int stemCellsPending,
        int idleWarm,
        int leased,
        long warmBytes,
        long created,
        long destroyed,
        long evicted,
        long expired,
        long retired,
        long discarded,
        long failures) {

    public PoolSnapshot {
        stemCellsReady = Map.copyOf(stemCellsReady);
    }

    /** Ready stem cells of one image. */
    public int stemCellsReady(ImageLayers image) {
        return stemCellsReady.getOrDefault(image, 0);
    }

    /** Hits of one kind. */
    public long hits(HitKind kind) {
        return switch (kind) {
            case WARM -> warmHits;
            case STEM -> stemHits;
            case COLD -> coldHits;
        };
    }
}

package dev.flint.pool.internal;

import dev.flint.pool.HitKind;
import dev.flint.pool.ImageLayers;
import java.util.List;
import java.util.Map;

/** What the {@link Policy} decided; the pool applies a decision in one place. */
public sealed interface Decision {

    /** Where an acquire's sandbox comes from; {@code warmId} is set only for {@link HitKind#WARM}. */
    record Choice(HitKind kind, long warmId) {
        public static Choice warm(long id) {
            return new Choice(HitKind.WARM, id);
        }

        public static final Choice STEM = new Choice(HitKind.STEM, -1);
        public static final Choice COLD = new Choice(HitKind.COLD, -1);
    }

    /**
     * How to move an image's stem cells toward their target.
     *
     * @param target the number wanted, ready plus pending
     * @param create how many to start creating now
     * @param retire how many ready ones to destroy (demand fell)
     */
    record StemPlan(int target, int create, int retire) {
    }

    /** An acquire: take this, start these stem cells for the image, evict these idle warm sandboxes. */
    record Acquire(Choice choice, StemPlan stem, List<Long> evict) implements Decision {
        public Acquire {
            evict = List.copyOf(evict);
        }
    }

    /** A release: the released sandbox is idle warm now; evict these to get under the budget. */
    record Release(List<Long> evict) implements Decision {
        public Release {
            evict = List.copyOf(evict);
        }
    }

    /** A tick: expire these idle warm sandboxes and move every known image toward its stem target. */
    record Tick(List<Long> expire, Map<ImageLayers, StemPlan> stems) implements Decision {
        public Tick {
            expire = List.copyOf(expire);
            stems = Map.copyOf(stems);
        }
    }
}

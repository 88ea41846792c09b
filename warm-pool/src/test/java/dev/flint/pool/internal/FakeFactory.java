package dev.flint.pool.internal;

import dev.flint.pool.ImageLayers;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Sandboxes that are plain objects; records what was created and destroyed. Thread-safe. */
final class FakeFactory implements SandboxFactory<FakeFactory.Fake> {
    static final long MEMORY = 64L << 20;

    /** One fake sandbox; {@code destroyed} counts destroy calls (one is right). */
    static final class Fake {
        final int number;
        final ImageLayers image;
        final AtomicInteger destroyed = new AtomicInteger();

        Fake(int number, ImageLayers image) {
            this.number = number;
            this.image = image;
        }

        @Override
        public String toString() {
            return "fake-" + number;
        }
    }

    /** What create does before it returns: a test makes it wait, or fail. */
    interface Hook {
        void beforeCreate() throws Exception;
    }

    final List<Fake> created = new CopyOnWriteArrayList<>();
    private final AtomicInteger numbers = new AtomicInteger();
    private volatile Hook hook = () -> { };

    void onCreate(Hook h) {
        this.hook = h;
    }

    @Override
    public Fake create(ImageLayers image) {
        try {
            hook.beforeCreate();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Fake f = new Fake(numbers.incrementAndGet(), image);
        created.add(f);
        return f;
    }

    @Override
    public void destroy(Fake sandbox) {
        sandbox.destroyed.incrementAndGet();
    }

    @Override
    public long memoryBytes(ImageLayers image) {
        return MEMORY;
    }

    List<Fake> alive() {
        return created.stream().filter(f -> f.destroyed.get() == 0).toList();
    }

    List<Fake> destroyedTwice() {
        return created.stream().filter(f -> f.destroyed.get() > 1).toList();
    }
}

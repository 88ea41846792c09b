package dev.flint.images.internal;

import dev.flint.images.ImageException;
import dev.flint.images.LayerLimits;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The uncompressed tar of a layer as it arrives, gzip or not: a gzip stream (recognised by its
 * magic bytes) is decompressed with its ratio watched, so a decompression bomb stops with
 * {@link ImageException.BadLayer.Kind#LIMIT} after at most {@code ratio x compressed + slack}
 * bytes; a damaged or truncated gzip stream is {@link ImageException.BadLayer.Kind#MALFORMED}.
 */
public final class LayerStreams {
    private LayerStreams() {
    }

    /** {@code raw} decompressed when it is gzip, as it is otherwise; {@code name} is for messages. */
    public static InputStream uncompressed(InputStream raw, String name, LayerLimits limits) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 != 0x1f || b1 != 0x8b) {
            return in;
        }
        Counting compressed = new Counting(in);
        InputStream gz;
        try {
            gz = new GzipCompressorInputStream(compressed, true);
        } catch (IOException e) {
            throw malformed(name, e);
        }
        return new RatioWatch(gz, compressed, name, limits);
    }

    static ImageException.BadLayer malformed(String name, IOException e) {
        return new ImageException.BadLayer(ImageException.BadLayer.Kind.MALFORMED, name, "damaged or truncated gzip stream: " + e.getMessage(),
                "the layer is damaged: fetch it again", e);
    }

    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    private static final class RatioWatch extends FilterInputStream {
        private final Counting compressed;
        private final String name;
        private final LayerLimits limits;
        private long out;

        RatioWatch(InputStream gz, Counting compressed, String name, LayerLimits limits) {
            super(gz);
            this.compressed = compressed;
            this.name = name;
            this.limits = limits;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                throw malformed(name, e);
            }
            if (n > 0) {
                out += n;
                if (out > limits.ratioSlackBytes() && out > compressed.count * limits.maxGzipRatio()) {
                    throw new ImageException.BadLayer(ImageException.BadLayer.Kind.LIMIT, name,
                            "gzip stream expands more than " + limits.maxGzipRatio() + " times (" + out + " bytes from " + compressed.count + ")",
                            "a decompression bomb, or a layer of zeros: it is not unpacked");
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            return Math.max(0, read(new byte[(int) Math.min(n, 8192)], 0, (int) Math.min(n, 8192)));
        }
    }
}

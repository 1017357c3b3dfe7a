package org.chspool.util;

import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed-bucket histogram in the shape Prometheus exposes: cumulative counts per upper bound, a sum
 * and a count. Lock-free; {@link #observe} may be called from any thread.
 */
public final class Histogram {
    private final double[] bounds;
    private final LongAdder[] buckets;
    private final LongAdder count = new LongAdder();
    private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

    /** @param bounds strictly increasing upper bounds; +Inf is implied */
    public Histogram(double... bounds) {
        this.bounds = bounds.clone();
        this.buckets = new LongAdder[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** Buckets for request latencies in seconds, 1 ms to 30 s (inserts, per server and overall). */
    public static Histogram latencySeconds() {
        return new Histogram(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    }

    public void observe(double v) {
        for (int i = 0; i < bounds.length; i++) {
            if (v <= bounds[i]) {
                buckets[i].increment();
                break;
            }
        }
        count.increment();
        sum.add(v);
    }

    public double[] bounds() {
        return bounds.clone();
    }

    /** Cumulative counts: element i counts observations {@code <= bounds[i]}. */
    public long[] cumulativeCounts() {
        long[] out = new long[bounds.length];
        long running = 0;
        for (int i = 0; i < bounds.length; i++) {
            running += buckets[i].sum();
            out[i] = running;
        }
        return out;
    }

    public long count() {
        return count.sum();
    }

    public double sum() {
        return sum.sum();
    }
}

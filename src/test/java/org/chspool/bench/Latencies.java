package org.chspool.bench;

import java.util.Arrays;

/** Collects latencies in nanoseconds and reports percentiles in ms. Single-threaded per instance. */
final class Latencies {
    private long[] values = new long[1 << 16];
    private int n;

    void add(long nanos) {
        if (n == values.length) {
            values = Arrays.copyOf(values, n * 2);
        }
        values[n++] = nanos;
    }

    static Latencies merge(Iterable<Latencies> all) {
        Latencies m = new Latencies();
        for (Latencies l : all) {
            for (int i = 0; i < l.n; i++) {
                m.add(l.values[i]);
            }
        }
        return m;
    }

    /** p in [0,100]; result in milliseconds. */
    double percentileMs(double p) {
        if (n == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        int idx = (int) Math.min(n - 1, Math.ceil(p / 100.0 * n) - 1);
        return sorted[Math.max(0, idx)] / 1e6;
    }

    int count() {
        return n;
    }
}

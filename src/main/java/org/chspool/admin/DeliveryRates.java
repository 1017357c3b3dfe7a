package org.chspool.admin;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Current delivery rate per table: the admin server {@link #record records} the replayer's delivered-row
 * counters about once a second, and {@link #perSecond} compares the counters now with the oldest sample
 * inside the window. Before the first sample is old enough the rate is 0. Thread-safe (synchronized;
 * called once a second and per status request).
 */
public final class DeliveryRates {
    /** The "current" in current rows/s: long enough to smooth batches, short enough to show a stall. */
    public static final long WINDOW_NANOS = 10_000_000_000L;
    private static final long MIN_SPAN_NANOS = 500_000_000L;

    private record Sample(long nanos, Map<String, Long> delivered) {}

    private final Deque<Sample> samples = new ArrayDeque<>();

    /** Adds a sample of the cumulative delivered rows per table, dropping samples older than the window. */
    public synchronized void record(long nowNanos, Map<String, Long> delivered) {
        samples.addLast(new Sample(nowNanos, Map.copyOf(delivered)));
        while (samples.size() > 1 && nowNanos - samples.peekFirst().nanos() > WINDOW_NANOS) {
            samples.removeFirst();
        }
    }

    /** Rows per second per table between the oldest retained sample and {@code current}. */
    public synchronized Map<String, Double> perSecond(long nowNanos, Map<String, Long> current) {
        Map<String, Double> out = new HashMap<>();
        Sample base = samples.peekFirst();
        long span = base == null ? 0 : nowNanos - base.nanos();
        for (Map.Entry<String, Long> e : current.entrySet()) {
            if (span < MIN_SPAN_NANOS) {
                out.put(e.getKey(), 0.0);
                continue;
            }
            long before = base.delivered().getOrDefault(e.getKey(), 0L);
            out.put(e.getKey(), Math.max(0, e.getValue() - before) / (span / 1e9));
        }
        return out;
    }
}

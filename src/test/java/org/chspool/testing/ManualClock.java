package org.chspool.testing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A monotonic clock (nanoseconds, like {@code System::nanoTime}) that moves only when the test moves it,
 * for the code that takes one: the replayer and its deliveries, the server pool. Backoffs, flush
 * intervals and server pauses then pass by {@link #advance}, not by sleeping, and a test can count
 * exactly what happens for given steps.
 *
 * <p>It starts at an arbitrary large reading, not 0: code may only compare differences of readings.
 *
 * <p>Thread-safe: a reading on any thread (a sender) sees every advance made before it.
 */
public final class ManualClock implements LongSupplier {
    private static final long START = 1_000_000_000_000L;
    private final AtomicLong nanos = new AtomicLong(START);

    @Override
    public long getAsLong() {
        return nanos.get();
    }

    /** Moves the clock forward by {@code d} (a monotonic clock never goes back). */
    public void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a monotonic clock never goes back: " + d);
        }
        nanos.addAndGet(d.toNanos());
    }
}

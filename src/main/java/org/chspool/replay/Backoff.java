package org.chspool.replay;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Capped exponential backoff with "equal jitter": after the n-th consecutive failure a table waits
 * between half and all of {@code min(max, initial x 2^(n-1))}, so failing tables spread their retries
 * instead of hammering a recovering server in lockstep. Immutable; thread-safe if the random source is.
 */
final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private final DoubleSupplier random;

    Backoff(Duration initial, Duration max, DoubleSupplier random) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.random = random;
    }

    /** The backoff {@code settings} configure ({@code CH_BACKOFF_INITIAL_MS} doubling up to {@code CH_BACKOFF_MAX_MS}). */
    static Backoff of(ReplaySettings settings, DoubleSupplier random) {
        return new Backoff(settings.backoffInitial(), settings.backoffMax(), random);
    }

    /** Delay before the next attempt after {@code failures} (>= 1) consecutive failures. */
    long delayNanos(int failures) {
        int shift = Math.min(Math.max(failures - 1, 0), 40);
        long ceiling = initialNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, initialNanos << shift);
        long half = ceiling / 2;
        return half + (long) (random.getAsDouble() * (ceiling - half));
    }
}

package org.chspool.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, failing with a description; for state reached asynchronously. */
public final class Eventually {
    private Eventually() {}

    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        await(timeout, what, condition, () -> "");
    }

    /**
     * As {@link #await(Duration, String, BooleanSupplier)}, and on timeout the message also carries
     * {@code lastSeen}, read then: the state that was not what the test waited for.
     */
    public static void await(Duration timeout, String what, BooleanSupplier condition, Supplier<String> lastSeen) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                String seen = lastSeen.get();
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what
                        + (seen.isEmpty() ? "" : "; last seen: " + seen));
            }
            try {
                Thread.sleep(20); // the polling interval; the deadline bounds the wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
    }
}

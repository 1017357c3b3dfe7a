package org.chspool.replay;

import java.time.Duration;
import org.chspool.config.AgentConfig;

/**
 * The replayer's part of the configuration. Immutable. A table is due at {@code batchSize} rows (or
 * by age); one insert then carries up to {@code batchMaxRows} rows and {@code batchMaxBytes}, so a
 * backlog drains in large inserts (fewer parts for ClickHouse to merge).
 *
 * <p>The agent builds it with {@link #from(AgentConfig)}. Everything else (tests) starts from
 * {@link #forTests()} and changes what it needs by name ({@code withBatchRows(100).withBackoff(...)}),
 * so nothing passes nine numbers in a row; the pairs that could be swapped unnoticed (due rows and most
 * rows, first and longest backoff) are checked here as {@code AgentConfig} checks them for settings.
 */
record ReplaySettings(int batchSize, int batchMaxRows, long batchMaxBytes, Duration flushInterval, int maxAttempts, Duration maxAge,
                      Duration backoffInitial, Duration backoffMax, int senders) {
    ReplaySettings {
        if (batchMaxRows < batchSize) {
            throw new IllegalArgumentException("batchMaxRows " + batchMaxRows + " < batchSize " + batchSize);
        }
        if (backoffMax.compareTo(backoffInitial) < 0) {
            throw new IllegalArgumentException("backoffMax " + backoffMax + " < backoffInitial " + backoffInitial);
        }
        if (senders < 1) {
            throw new IllegalArgumentException("senders must be at least 1: " + senders);
        }
    }

    static ReplaySettings from(AgentConfig c) {
        return new ReplaySettings(c.batchSize(), c.batchMaxRows(), c.batchMaxBytes(), c.flushInterval(), c.maxAttempts(), c.maxAge(),
                c.backoffInitial(), c.backoffMax(), c.replayThreads());
    }

    /**
     * What a test starts from: every table due at once (flush interval 0) in batches of up to 1000 rows
     * and 16 MiB, a 1 ms backoff, 1000 attempts and a day before rows are quarantined for age, one sender.
     */
    static ReplaySettings forTests() {
        return new ReplaySettings(1000, 1000, 16 << 20, Duration.ZERO, 1000, Duration.ofDays(1),
                Duration.ofMillis(1), Duration.ofMillis(1), 1);
    }

    /** A table is due at {@code rows} rows, and one insert carries up to {@code rows} rows. */
    ReplaySettings withBatchRows(int rows) {
        return new ReplaySettings(rows, rows, batchMaxBytes, flushInterval, maxAttempts, maxAge, backoffInitial, backoffMax, senders);
    }

    /** A table is due at {@code rows} rows (one insert still carries up to {@link #batchMaxRows()}). */
    ReplaySettings withDueRows(int rows) {
        return new ReplaySettings(rows, batchMaxRows, batchMaxBytes, flushInterval, maxAttempts, maxAge, backoffInitial, backoffMax, senders);
    }

    /** One insert carries up to {@code rows} rows (a table is still due at {@link #batchSize()}). */
    ReplaySettings withMaxRows(int rows) {
        return new ReplaySettings(batchSize, rows, batchMaxBytes, flushInterval, maxAttempts, maxAge, backoffInitial, backoffMax, senders);
    }

    ReplaySettings withMaxBytes(long bytes) {
        return new ReplaySettings(batchSize, batchMaxRows, bytes, flushInterval, maxAttempts, maxAge, backoffInitial, backoffMax, senders);
    }

    ReplaySettings withFlushInterval(Duration interval) {
        return new ReplaySettings(batchSize, batchMaxRows, batchMaxBytes, interval, maxAttempts, maxAge, backoffInitial, backoffMax, senders);
    }

    ReplaySettings withMaxAttempts(int attempts) {
        return new ReplaySettings(batchSize, batchMaxRows, batchMaxBytes, flushInterval, attempts, maxAge, backoffInitial, backoffMax, senders);
    }

    ReplaySettings withMaxAge(Duration age) {
        return new ReplaySettings(batchSize, batchMaxRows, batchMaxBytes, flushInterval, maxAttempts, age, backoffInitial, backoffMax, senders);
    }

    /** Backoff from {@code initial} after the first failure, doubling up to {@code max} (checked: not below initial). */
    ReplaySettings withBackoff(Duration initial, Duration max) {
        return new ReplaySettings(batchSize, batchMaxRows, batchMaxBytes, flushInterval, maxAttempts, maxAge, initial, max, senders);
    }

    /** The same backoff after every failure. */
    ReplaySettings withBackoff(Duration fixed) {
        return withBackoff(fixed, fixed);
    }

    ReplaySettings withSenders(int n) {
        return new ReplaySettings(batchSize, batchMaxRows, batchMaxBytes, flushInterval, maxAttempts, maxAge, backoffInitial, backoffMax, n);
    }
}

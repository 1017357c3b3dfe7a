package org.chspool.replay;

import java.time.Duration;
import org.chspool.config.AgentConfig;

/**
 * The replayer's part of the configuration. Immutable. A table is due at {@code batchSize} rows (or
 * by age); one insert then carries up to {@code batchMaxRows} rows and {@code batchMaxBytes}, so a
 * backlog drains in large inserts (fewer parts for ClickHouse to merge).
 */
record ReplaySettings(int batchSize, int batchMaxRows, long batchMaxBytes, Duration flushInterval, int maxAttempts, Duration maxAge,
                      Duration backoffInitial, Duration backoffMax, int senders) {
    static ReplaySettings from(AgentConfig c) {
        return new ReplaySettings(c.batchSize(), c.batchMaxRows(), c.batchMaxBytes(), c.flushInterval(), c.maxAttempts(), c.maxAge(),
                c.backoffInitial(), c.backoffMax(), c.replayThreads());
    }
}

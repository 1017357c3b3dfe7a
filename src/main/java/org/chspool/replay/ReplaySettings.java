package org.chspool.replay;

import java.time.Duration;
import org.chspool.config.AgentConfig;

/** The replayer's part of the configuration. Immutable. */
record ReplaySettings(int batchSize, long batchMaxBytes, Duration flushInterval, int maxAttempts, Duration maxAge,
                      Duration backoffInitial, Duration backoffMax, int senders) {
    static ReplaySettings from(AgentConfig c) {
        return new ReplaySettings(c.batchSize(), c.batchMaxBytes(), c.flushInterval(), c.maxAttempts(), c.maxAge(),
                c.backoffInitial(), c.backoffMax(), c.replayThreads());
    }
}

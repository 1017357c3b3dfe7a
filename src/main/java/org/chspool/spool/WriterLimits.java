package org.chspool.spool;

import java.time.Duration;
import org.chspool.config.AgentConfig;

/**
 * How much the spool writer takes on: one transaction commits at most {@code commitRows} rows and
 * {@code commitBytes} (more waits for the next one), the admission queue holds at most
 * {@code admissionRows} (the cap of {@link AdmissionBudget}, which sizes the queue by time) and
 * {@code admissionBytes}, and a put is answered within {@code putTimeout}. Immutable, validated.
 */
record WriterLimits(int commitRows, long commitBytes, int admissionRows, long admissionBytes, Duration putTimeout) {
    WriterLimits {
        if (commitRows < 1 || commitBytes < 1 || admissionRows < 1 || admissionBytes < 1) {
            throw new IllegalArgumentException("writer limits must be positive: " + commitRows + " rows / " + commitBytes
                    + " bytes per commit, " + admissionRows + " rows / " + admissionBytes + " bytes queued");
        }
        if (putTimeout.isNegative() || putTimeout.isZero()) {
            throw new IllegalArgumentException("put timeout must be positive: " + putTimeout);
        }
    }

    /** The agent's limits: {@code CH_COMMIT_MAX_ROWS/BYTES}, {@code CH_ADMISSION_QUEUE_ROWS/BYTES}, {@code CH_PUT_TIMEOUT_MS}. */
    static WriterLimits from(AgentConfig c) {
        return new WriterLimits(c.commitMaxRows(), c.commitMaxBytes(), c.admissionQueueRows(), c.admissionQueueBytes(),
                c.putTimeout());
    }

    long putTimeoutNanos() {
        return putTimeout.toNanos();
    }
}

package org.chspool.spool;

import java.time.Instant;

/**
 * What the agent tells operators after it found its spool file damaged at start and rebuilt it: when,
 * why, how many rows it could read back, and where the damaged file was kept. While a notice is
 * unacknowledged the agent's health is DEGRADED with {@link #summary()} as the reason; the admin
 * endpoint ({@code spoolctl recover --ack}) acknowledges it through {@link Spool#acknowledgeRecovery()}.
 * Immutable.
 *
 * @param time          when the damage was found (spool clock)
 * @param reason        what the integrity check found, e.g. {@code quick_check: Page 7: btreeInitPage() ...}
 * @param rowsRecovered queued rows read back into the new spool
 * @param rowsExpected  queued rows the damaged file's {@code table_stats} claimed, or -1 if unreadable
 * @param quarantineRecovered quarantined rows read back
 * @param fileAside     the damaged file, renamed (its -wal/-shm with it); never deleted by the agent
 */
public record RecoveryNotice(Instant time, String reason, long rowsRecovered, long rowsExpected,
                             long quarantineRecovered, String fileAside) {

    /** One line for logs and the DEGRADED reason. */
    public String summary() {
        String expected = rowsExpected < 0 ? "an unknown number" : Long.toString(rowsExpected);
        return "spool file was damaged at start (" + time + ": " + reason + "); recovered " + rowsRecovered
                + " of " + expected + " queued row(s) and " + quarantineRecovered + " quarantined row(s);"
                + " the damaged file is kept at " + fileAside + "; acknowledge with 'spoolctl recover --ack'";
    }
}

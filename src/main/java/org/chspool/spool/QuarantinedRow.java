package org.chspool.spool;

/** One row in the quarantine, with why it is there. Immutable. */
public record QuarantinedRow(long id, String table, String payload, int attempts, String firstError,
                             String lastError, String reason, long createdUs, long quarantinedUs) {
}

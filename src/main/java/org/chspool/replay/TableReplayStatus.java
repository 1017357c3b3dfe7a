package org.chspool.replay;

/** A snapshot of one table's delivery state for status and metrics. Immutable. */
public record TableReplayStatus(String table, long deliveredRows, long deliveredBatches, long failedAttempts,
                                long quarantinedRows, long dedupedRows, int consecutiveFailures, String lastError,
                                long retryInMillis) {
}

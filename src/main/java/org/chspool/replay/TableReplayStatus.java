package org.chspool.replay;

/**
 * A snapshot of one table's delivery state for status and metrics. Immutable.
 *
 * @param guarantee the table's {@link org.chspool.clickhouse.DeliveryGuarantee#label()}
 */
public record TableReplayStatus(String table, long deliveredRows, long deliveredBatches, long failedAttempts,
                                long quarantinedRows, long dedupedRows, int consecutiveFailures, String lastError,
                                long retryInMillis, String guarantee) {
}

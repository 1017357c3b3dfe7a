package org.chspool.spool;

/**
 * What one table has waiting in the spool: totals from {@code table_stats} and the head row's
 * attempts and last error (the head is what is being retried). Immutable.
 */
public record TableBacklog(String table, long rows, long bytes, long oldestCreatedUs, int headAttempts,
                           String headLastError, long headNextAttemptUs) {
}

package org.chspool.replay;

import org.chspool.clickhouse.ClickHouseFailure;

/**
 * What the replayer does about a failed insert, decided from the failure's class and code only (never
 * from its text): retry the same batch later, or bisect it to find the rows ClickHouse rejects.
 */
final class FailurePolicy {
    /** ClickHouse codes that condemn the target table, not the rows: UNKNOWN_TABLE, UNKNOWN_DATABASE. */
    private static final int UNKNOWN_TABLE = 60;
    private static final int UNKNOWN_DATABASE = 81;

    enum Action {
        /** Keep the batch, back the table off, retry; quarantine after max attempts or age. */
        RETRY,
        /** The data is bad: split the batch until the offending rows are isolated and quarantined. */
        BISECT
    }

    private FailurePolicy() {}

    static Action actionFor(ClickHouseFailure f) {
        if (f.isRetryable() || f.code() == UNKNOWN_TABLE || f.code() == UNKNOWN_DATABASE) {
            return Action.RETRY;
        }
        return Action.BISECT;
    }
}

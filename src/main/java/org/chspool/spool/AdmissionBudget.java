package org.chspool.spool;

import java.util.concurrent.TimeUnit;

/**
 * How many rows may wait for the spool writer at once: as many as it commits in half the put timeout, at
 * the rate it was measured to commit while it had work waiting, and never more than the static caps
 * ({@code CH_ADMISSION_QUEUE_ROWS}). Admission by time rather than by count alone: a request admitted
 * within the budget is taken by the writer within its timeout, so callers are slowed down (their
 * connections stop being read, see {@code ingest.IngestConnection}) instead of being admitted and then refused
 * after the full wait.
 *
 * <p>The rate is learnt from saturated transactions only (appends were still waiting when one committed):
 * a lightly loaded writer commits few rows per transaction and says nothing about its capacity. Until the
 * first measurement it assumes {@link #INITIAL_ROWS_PER_SECOND}, a low figure for a FULL-synchronous disk,
 * so the first burst is paced rather than over-admitted; it is measured within a few transactions.
 *
 * <p>Threading: {@link #saturatedCommit} on the writer thread only; the rest from any thread (volatile reads).
 */
final class AdmissionBudget {
    /** The rate assumed before any measurement. */
    static final double INITIAL_ROWS_PER_SECOND = 50_000;
    /** The weight of each new measurement in the moving average. */
    private static final double ALPHA = 0.2;
    /** Transactions smaller than this say more about fixed costs (the fsync) than about the rate. */
    private static final int MIN_MEASURED_ROWS = 200;

    private final int capRows;
    private final int floorRows;
    private final double windowSeconds;
    private volatile double rowsPerSecond = INITIAL_ROWS_PER_SECOND;
    private volatile int rows;

    /**
     * @param capRows         the static cap, CH_ADMISSION_QUEUE_ROWS
     * @param floorRows       rows always admitted whatever the rate (at least one commit's worth)
     * @param putTimeoutNanos CH_PUT_TIMEOUT_MS: half of it is the budget's time
     */
    AdmissionBudget(int capRows, int floorRows, long putTimeoutNanos) {
        this.capRows = capRows;
        this.floorRows = Math.min(capRows, floorRows);
        this.windowSeconds = putTimeoutNanos / 2 / 1e9;
        this.rows = budgetFor(INITIAL_ROWS_PER_SECOND);
    }

    /** Writer thread: a transaction appended {@code appended} rows in {@code nanos}, and appends were still waiting. */
    void saturatedCommit(int appended, long nanos) {
        if (appended < MIN_MEASURED_ROWS || nanos <= 0) {
            return;
        }
        double r = ALPHA * (appended / (nanos / 1e9)) + (1 - ALPHA) * rowsPerSecond;
        rowsPerSecond = r;
        rows = budgetFor(r);
    }

    private int budgetFor(double rate) {
        return (int) Math.max(floorRows, Math.min(capRows, rate * windowSeconds));
    }

    /** Rows that may wait for the writer now. */
    int rows() {
        return rows;
    }

    /** The writer's measured commit rate under load (rows/s). */
    double rowsPerSecond() {
        return rowsPerSecond;
    }

    /** How long {@code waitingRows} take the writer at its measured rate: when a refused caller should retry (ms, at least 1). */
    long drainMillis(long waitingRows) {
        return Math.max(1, (long) Math.ceil(waitingRows / rowsPerSecond * TimeUnit.SECONDS.toMillis(1)));
    }
}

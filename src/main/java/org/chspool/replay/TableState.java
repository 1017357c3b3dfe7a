package org.chspool.replay;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.chspool.spool.TableName;

/**
 * The replayer's view of one table: backoff (the batch to retry is frozen in the spool), the head row's first sighting (for
 * the flush interval on the monotonic clock), and delivery statistics.
 *
 * <p>Threading: {@link #inFlight} hands the table between the scheduler and one sender; whoever set it
 * owns the plain fields until it is cleared (the volatile write publishes them). Statistics are
 * lock-free and readable from any thread.
 */
final class TableState {
    final TableName table;
    final AtomicBoolean inFlight = new AtomicBoolean();

    // Scheduler-owned.
    long headCreatedUs = -1;
    long headSeenNanos;
    /** Flush requests ({@code spoolctl flush}) answered by dispatching this table. */
    long flushedRequests;

    // Owned by the holder of inFlight; volatile so status readers see recent values.
    volatile long retryAtNanos;
    /** Failures in a row: the episode that backoff and failure logging follow; 0 after a delivery. */
    volatile int consecutiveFailures;
    volatile String lastError;
    volatile long lastErrorAtMillis;
    /**
     * The frozen batch whose last attempt no server answered, or null (after any answer): the next
     * attempt asks a server before it reads the batch again (see {@code BatchDelivery#aServerAnswers}).
     */
    BatchDelivery.FailedBatch unanswered;
    /** What a retried insert can rely on; learned at the first delivery and re-checked now and then. */
    volatile org.chspool.clickhouse.DeliveryGuarantee guarantee = org.chspool.clickhouse.DeliveryGuarantee.UNKNOWN;
    boolean guaranteeChecked;
    long guaranteeCheckedNanos;
    boolean atLeastOnceWarned;

    final LongAdder deliveredRows = new LongAdder();
    final LongAdder deliveredBatches = new LongAdder();
    final LongAdder failedAttempts = new LongAdder();
    final LongAdder quarantinedRows = new LongAdder();
    final LongAdder dedupedRows = new LongAdder();

    TableState(TableName table) {
        this.table = table;
    }
}

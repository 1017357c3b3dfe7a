package org.chspool.replay;

import java.util.concurrent.atomic.LongAdder;
import org.chspool.util.Histogram;

/** Totals of the replayer since start, for metrics and status. Lock-free; any thread. */
public final class ReplayCounters {
    final LongAdder deliveredRows = new LongAdder();
    final LongAdder deliveredBatches = new LongAdder();
    final LongAdder retryableFailures = new LongAdder();
    final LongAdder permanentFailures = new LongAdder();
    final LongAdder quarantinedRows = new LongAdder();
    final LongAdder dedupedRows = new LongAdder();
    /** Deliveries that ended in an unexpected exception or error (a bug): logged with their stack, retried. */
    final LongAdder unexpectedFailures = new LongAdder();
    final Histogram insertSeconds = Histogram.latencySeconds();
    final Histogram batchRows = new Histogram(1, 10, 100, 500, 1000, 2500, 5000, 10000, 50000, 100000);

    public long deliveredRows() { return deliveredRows.sum(); }
    public long deliveredBatches() { return deliveredBatches.sum(); }
    public long retryableFailures() { return retryableFailures.sum(); }
    public long permanentFailures() { return permanentFailures.sum(); }
    public long quarantinedRows() { return quarantinedRows.sum(); }
    public long dedupedRows() { return dedupedRows.sum(); }
    public long unexpectedFailures() { return unexpectedFailures.sum(); }
    public Histogram insertSeconds() { return insertSeconds; }
    public Histogram batchRows() { return batchRows; }
}

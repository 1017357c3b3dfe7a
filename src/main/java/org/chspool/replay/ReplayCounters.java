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
    final Histogram insertSeconds = new Histogram(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    final Histogram batchRows = new Histogram(1, 10, 100, 500, 1000, 2500, 5000, 10000, 50000, 100000);

    public long deliveredRows() { return deliveredRows.sum(); }
    public long deliveredBatches() { return deliveredBatches.sum(); }
    public long retryableFailures() { return retryableFailures.sum(); }
    public long permanentFailures() { return permanentFailures.sum(); }
    public long quarantinedRows() { return quarantinedRows.sum(); }
    public long dedupedRows() { return dedupedRows.sum(); }
    public Histogram insertSeconds() { return insertSeconds; }
    public Histogram batchRows() { return batchRows; }
}

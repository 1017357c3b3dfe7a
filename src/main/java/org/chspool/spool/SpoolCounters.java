package org.chspool.spool;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Monotonic counters of the spool's write side, for metrics and tests. Lock-free; any thread may read
 * or add.
 */
public final class SpoolCounters {
    final LongAdder rowsAccepted = new LongAdder();
    final LongAdder commits = new LongAdder();
    final LongAdder rowsQuarantined = new LongAdder();
    final LongAdder quarantineRefusedRows = new LongAdder();
    private final EnumMap<RejectReason, LongAdder> rejectedRows = new EnumMap<>(RejectReason.class);

    SpoolCounters() {
        for (RejectReason r : RejectReason.values()) {
            rejectedRows.put(r, new LongAdder());
        }
    }

    void rejected(RejectReason reason, long rows) {
        rejectedRows.get(reason).add(rows);
    }

    public long rowsAccepted() {
        return rowsAccepted.sum();
    }

    /** Transactions committed by the group-commit writer. */
    public long commits() {
        return commits.sum();
    }

    public long rowsQuarantined() {
        return rowsQuarantined.sum();
    }

    /** Rows whose quarantine was refused (CH_QUARANTINE_MAX_BYTES reached): they stayed queued. Each attempt counts. */
    public long quarantineRefusedRows() {
        return quarantineRefusedRows.sum();
    }

    public Map<RejectReason, Long> rejectedRows() {
        EnumMap<RejectReason, Long> out = new EnumMap<>(RejectReason.class);
        rejectedRows.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}

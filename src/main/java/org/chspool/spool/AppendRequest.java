package org.chspool.spool;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One caller's rows on their way into the spool: all of them are committed in one transaction or none
 * is. Its state moves once from QUEUED to either CLAIMED (taken by the writer into a transaction) or
 * CANCELLED (its put timeout passed first); the CAS decides the race between writer and timeout, so a
 * caller that was told "busy" can be sure its rows were never written.
 */
final class AppendRequest {
    private static final int QUEUED = 0;
    private static final int CLAIMED = 1;
    private static final int CANCELLED = 2;

    final String table;
    final List<byte[]> rows;
    final long bytes;
    final long createdUs;
    /** Each row's created time (an import keeps the predecessor's), or null: every row has {@link #createdUs}. */
    final long[] createdUsPerRow;
    /** The import progress this request advances, or null for an ordinary put. */
    final ImportMark mark;
    final long deadlineNanos;
    /** Set by the writer inside a transaction when {@link #mark} no longer matches the recorded progress. */
    Rejection conflict;
    final CompletableFuture<Integer> future = new CompletableFuture<>();
    private final AtomicInteger state = new AtomicInteger(QUEUED);

    AppendRequest(String table, List<byte[]> rows, long bytes, long createdUs, long deadlineNanos) {
        this(table, rows, bytes, createdUs, null, null, deadlineNanos);
    }

    AppendRequest(String table, List<byte[]> rows, long bytes, long createdUs, long[] createdUsPerRow, ImportMark mark,
                  long deadlineNanos) {
        if (createdUsPerRow != null && createdUsPerRow.length != rows.size()) {
            throw new IllegalArgumentException(createdUsPerRow.length + " created times for " + rows.size() + " rows");
        }
        this.table = table;
        this.rows = rows;
        this.bytes = bytes;
        this.createdUs = createdUs;
        this.createdUsPerRow = createdUsPerRow;
        this.mark = mark;
        this.deadlineNanos = deadlineNanos;
    }

    long createdUs(int row) {
        return createdUsPerRow != null ? createdUsPerRow[row] : createdUs;
    }

    boolean claim() {
        return state.compareAndSet(QUEUED, CLAIMED);
    }

    /** True if this call cancelled the request (it will never be written). */
    boolean cancel() {
        return state.compareAndSet(QUEUED, CANCELLED);
    }
}

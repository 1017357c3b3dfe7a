package org.chspool.spool;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appends of large requests, all or nothing, without holding the writer for their size: begin
 * ({@link #begin}), write the rows in chunks ({@link #write}, each its own transaction between other
 * producers' commits, invisible), then {@link #publish} (one small transaction: every row queued at once)
 * or {@link #abandon} (the rows deleted). See {@link Staging}. Refusals are typed {@link Rejection}s, as
 * for {@link Spool#appendAll}; other failures are {@link SpoolFileException}s. Thread-safe; one thread uses a
 * given staging at a time.
 */
public final class StagedAppends {
    private final Spool spool;
    private final GroupCommitWriter writer;
    /** Bytes of requests being staged: not queued yet, but reserved under CH_SPOOL_MAX_BYTES. */
    private final AtomicLong reservedBytes = new AtomicLong();

    StagedAppends(Spool spool, GroupCommitWriter writer) {
        this.spool = spool;
        this.writer = writer;
    }

    long reservedBytes() {
        return reservedBytes.get();
    }

    /**
     * Begins staging a request of {@code rows} rows and {@code bytes} payload bytes for one table: reserves
     * its ids and its bytes under the cap. Fails at once with a {@link Rejection} (spool_full for the whole
     * request, shutting_down, io_error): nothing is written.
     */
    public CompletableFuture<Staging> begin(TableName table, long rows, long bytes) {
        if (rows <= 0) {
            return spool.rejected(RejectReason.BAD_REQUEST, "no rows", 0);
        }
        CompletableFuture<Staging> stopped = spool.refusalIfStopped(rows);
        if (stopped != null) {
            return stopped;
        }
        String full = spool.capRefusal(bytes);
        if (full != null) {
            return spool.rejected(RejectReason.SPOOL_FULL, full, rows);
        }
        reservedBytes.addAndGet(bytes);
        long now = spool.nowMicros();
        return writer.submitOp(new StagingOps.Begin(table.qualified(), rows, bytes, now)).future.handle((ids, e) -> {
            if (e != null) {
                reservedBytes.addAndGet(-bytes);
                throw new CompletionException(e);
            }
            return new Staging(ids[0], table, ids[1], rows, bytes, now);
        });
    }

    /**
     * Writes the next chunk of a staging's rows, in its own transaction; they stay invisible. Refused at
     * once (Rejection) when shutting down, when the writer stopped, or when the disk is nearly full.
     */
    public CompletableFuture<Integer> write(Staging staging, List<byte[]> chunk) {
        CompletableFuture<Integer> stopped = spool.refusalIfStopped(chunk.size());
        if (stopped != null) {
            return stopped;
        }
        long bytes = 0;
        for (byte[] r : chunk) {
            bytes += r.length;
        }
        String diskFull = spool.diskRefusal(bytes);
        if (diskFull != null) {
            return spool.rejected(RejectReason.SPOOL_FULL, diskFull, chunk.size());
        }
        return writer.submitOp(new StagingOps.Rows(staging.id, staging.table.qualified(),
                staging.firstId + staging.staged, chunk, staging.createdUs)).future.thenApply(n -> {
                    staging.staged += n;
                    return n;
                });
    }

    /**
     * Makes every row of a fully written staging queued, in one small transaction (delivery is woken as for
     * any append). See {@link Publication}.
     */
    public Publication publish(Staging staging) {
        StagingOps.Publish op = new StagingOps.Publish(staging);
        writer.submitOp(op).future.whenComplete((published, e) -> reservedBytes.addAndGet(-staging.bytes));
        return new Publication(op);
    }

    /**
     * Deletes a staging that will not be published (a chunk failed, the request gave up); its bytes are no
     * longer reserved. Result: rows deleted. If this fails too, the rows stay invisible until the next open
     * deletes them.
     */
    public CompletableFuture<Integer> abandon(Staging staging) {
        reservedBytes.addAndGet(-staging.bytes);
        return writer.submitOp(new StagingOps.Abort(staging)).future;
    }

    /** A publish on its way to the writer: its outcome, and the means to call it off while it waits. */
    public static final class Publication {
        private final StagingOps.Publish op;

        private Publication(StagingOps.Publish op) {
            this.op = op;
        }

        /** True once every row is queued (committed); false when it was cancelled (the staging deleted instead). */
        public CompletableFuture<Boolean> outcome() {
            return op.future;
        }

        /**
         * Calls the publish off if the writer has not taken it yet: true means it will never happen (the
         * staging is deleted instead); false means it is being committed now.
         */
        public boolean cancel() {
            return op.cancel();
        }
    }
}

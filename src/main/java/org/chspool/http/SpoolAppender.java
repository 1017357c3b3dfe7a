package org.chspool.http;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.chspool.spool.Bytes;
import org.chspool.spool.RejectReason;
import org.chspool.spool.Rejection;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;

/**
 * Appends a request's staged rows to the spool and returns only once they are committed.
 *
 * <p>Rows held in memory (the request fit the atomic limits) go in ONE {@link Spool#appendAll} call: one
 * transaction, all or nothing. Spilled rows (a larger request) go in consecutive chunks, each its own
 * transaction: the request was fully validated first and the spool cap is checked up front, so what can
 * still fail mid-way is the disk or the writer (io_error, disk full, shutdown); the error then says how
 * many leading rows were committed (they will be delivered), so the client can resend only the rest.
 *
 * <p>{@code busy} is retried here (waiting the spool's retry hint) until {@code busyWaitNanos} have passed,
 * because HTTP clients do not retry inserts by themselves. Threading: called on a handler thread, which
 * it blocks; thread-safe.
 */
final class SpoolAppender {
    /** Longest wait for a commit the writer has taken; the writer commits in milliseconds normally. */
    private static final long COMMIT_WAIT_S = 120;

    private final Spool spool;
    private final long busyWaitNanos;
    private final int chunkRows;
    private final long chunkBytes;

    SpoolAppender(Spool spool, long busyWaitNanos, int chunkRows, long chunkBytes) {
        this.spool = spool;
        this.busyWaitNanos = busyWaitNanos;
        this.chunkRows = chunkRows;
        this.chunkBytes = chunkBytes;
    }

    /** @return the number of rows committed (all of them) */
    long append(TableName table, StagedRows rows) throws HttpError, IOException {
        if (rows.inMemory()) {
            appendOne(table, rows.memory(), 0, rows.rows());
            return rows.rows();
        }
        long capacity = spool.config().spoolMaxBytes() - spool.queuedBytes();
        if (rows.bytes() > capacity) {
            throw new HttpError(ClickHouseCode.NOT_ENOUGH_SPACE, "spool_full: the request's " + Bytes.human(rows.bytes())
                    + " of rows do not fit the " + Bytes.human(Math.max(0, capacity)) + " left under CH_SPOOL_MAX_BYTES="
                    + Bytes.human(spool.config().spoolMaxBytes()) + "; nothing was spooled");
        }
        long committed = 0;
        try (StagedRows.Chunks chunks = rows.chunks(chunkRows, chunkBytes)) {
            for (List<byte[]> chunk = chunks.next(); !chunk.isEmpty(); chunk = chunks.next()) {
                appendOne(table, chunk, committed, rows.rows());
                committed += chunk.size();
            }
        }
        return committed;
    }

    private void appendOne(TableName table, List<byte[]> chunk, long committedBefore, long total) throws HttpError {
        long deadline = System.nanoTime() + busyWaitNanos;
        while (true) {
            try {
                spool.appendAll(table, chunk).get(COMMIT_WAIT_S, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof Rejection r)) {
                    throw failure(ClickHouseCode.SYSTEM_ERROR, "spool append failed: " + e.getCause(), 0,
                            committedBefore, total);
                }
                if (r.reason() == RejectReason.BUSY && System.nanoTime() - deadline < 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.min(r.retryAfterMs(), 50))));
                    continue;
                }
                throw failure(codeOf(r.reason()), r.reason().code() + ": " + r.getMessage(), r.retryAfterMs(),
                        committedBefore, total);
            } catch (TimeoutException e) {
                throw failure(ClickHouseCode.TIMEOUT_EXCEEDED, "the spool did not confirm the commit within "
                        + COMMIT_WAIT_S + " s; the rows of this part may or may not be spooled", 0, committedBefore, total);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure(ClickHouseCode.ABORTED, "interrupted while waiting for the commit", 0, committedBefore, total);
            }
        }
    }

    private static HttpError failure(ClickHouseCode code, String message, long retryAfterMs, long committed, long total) {
        if (committed == 0) {
            return new HttpError(code, message + "; nothing of this request was spooled", retryAfterMs);
        }
        return new PartialInsert(code, message + "; the first " + committed + " of " + total + " rows of this request"
                + " WERE committed and will be delivered: resend only rows " + (committed + 1) + ".." + total, committed);
    }

    static ClickHouseCode codeOf(RejectReason reason) {
        return switch (reason) {
            case BUSY -> ClickHouseCode.TOO_MANY_SIMULTANEOUS_QUERIES;
            case SPOOL_FULL -> ClickHouseCode.NOT_ENOUGH_SPACE;
            case SHUTTING_DOWN -> ClickHouseCode.ABORTED;
            case TOO_LARGE -> ClickHouseCode.TOO_MANY_BYTES;
            case BAD_TABLE -> ClickHouseCode.BAD_ARGUMENTS;
            case BAD_REQUEST -> ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED;
            case IO_ERROR -> ClickHouseCode.SYSTEM_ERROR;
        };
    }

    /** A failure after a prefix of the request's rows was committed. */
    static final class PartialInsert extends HttpError {
        private final long committed;

        PartialInsert(ClickHouseCode code, String message, long committed) {
            super(code, message);
            this.committed = committed;
        }

        long committed() {
            return committed;
        }
    }
}

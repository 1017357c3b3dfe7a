package org.chspool.http;

import org.chspool.clickhouse.ClickHouseCode;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.chspool.spool.InsertShape;
import org.chspool.spool.RejectReason;
import org.chspool.spool.ShapedPayload;
import org.chspool.spool.Rejection;
import org.chspool.spool.RoomWait;
import org.chspool.spool.Spool;
import org.chspool.spool.StagedAppends;
import org.chspool.spool.Staging;
import org.chspool.spool.TableName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends a request's staged rows to the spool, all or nothing, and returns only once they are committed.
 *
 * <p>Rows held in memory (the request fit the atomic limits) go in ONE {@link Spool#appendAll} call: one
 * transaction. Spilled rows (a larger request) are {@linkplain StagedAppends#begin staged}: their ids and bytes
 * are reserved (the spool cap is checked for the whole request), they are written in chunks, each its
 * own transaction between other producers' commits, invisible, and then {@linkplain StagedAppends#publish
 * published} in one small transaction. Whatever fails on the way (the spill file, the disk, the writer,
 * a shutdown) the staging is abandoned and the error says that nothing of the request was spooled, so a
 * resend cannot duplicate rows. The one outcome left unknown is a publish the writer took but did not
 * confirm within {@value #COMMIT_WAIT_S} s (the writer stalled on the disk): answered TIMEOUT_EXCEEDED.
 *
 * <p>{@code busy} is retried here (waiting the spool's retry hint) until {@code busyWaitNanos} have passed,
 * because HTTP clients do not retry inserts by themselves. Threading: called on a handler thread, which
 * it blocks; thread-safe.
 */
final class SpoolAppender {
    private static final Logger log = LoggerFactory.getLogger(SpoolAppender.class);
    /** Longest wait for a commit the writer has taken; the writer commits in milliseconds normally. */
    private static final long COMMIT_WAIT_S = 120;
    private static final String NOTHING = "; nothing of this request was spooled";

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

    /**
     * The id of the request's insert shape, recorded first if it is new (one small transaction, once per
     * distinct shape).
     */
    int shapeId(TableName table, InsertShape shape) throws HttpError {
        return await(spool.shapes().intern(table, shape), "the insert's shape", NOTHING);
    }

    /**
     * @param tag written before every row ({@link ShapedPayload#tag}; empty for shape 0)
     * @return the number of rows committed (all of them)
     */
    long append(TableName table, StagedRows rows, byte[] tag) throws HttpError {
        if (rows.inMemory()) {
            appendAll(table, tagged(tag, rows.memory()));
        } else {
            appendStaged(table, rows, tag);
        }
        return rows.rows();
    }

    private static List<byte[]> tagged(byte[] tag, List<byte[]> rows) {
        if (tag.length == 0) {
            return rows;
        }
        List<byte[]> out = new java.util.ArrayList<>(rows.size());
        for (byte[] r : rows) {
            out.add(ShapedPayload.tagged(tag, r));
        }
        return out;
    }

    private void appendAll(TableName table, List<byte[]> rows) throws HttpError {
        long deadline = System.nanoTime() + busyWaitNanos;
        while (true) {
            try {
                await(offerAndWait(table, rows), "the commit", "; the rows of this request may or may not be spooled");
                return;
            } catch (HttpError e) {
                if (!(e instanceof Busy busy) || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.min(busy.retryAfterMs(), 50))));
            }
        }
    }

    /**
     * The rows to the spool; when the writer's queue has no room, this handler thread waits its turn for
     * room like a put connection does (in the order waits began), until granted or the wait is hopeless
     * (then busy, retried by the caller).
     */
    private CompletableFuture<Integer> offerAndWait(TableName table, List<byte[]> rows) throws HttpError {
        Semaphore woken = new Semaphore(0);
        Spool.Offer offer = spool.offer(table, rows, woken::release);
        if (offer instanceof Spool.Offer.Taken taken) {
            return taken.result();
        }
        RoomWait wait = ((Spool.Offer.Waiting) offer).roomWait();
        try {
            Optional<CompletableFuture<Integer>> outcome;
            while ((outcome = wait.resolve()).isEmpty()) {
                woken.tryAcquire(10, TimeUnit.MILLISECONDS); // woken when granted, and every quarter put timeout
            }
            return outcome.get();
        } catch (InterruptedException e) {
            wait.abandon();
            Thread.currentThread().interrupt();
            throw new HttpError(ClickHouseCode.ABORTED, "interrupted while waiting for the spool writer;"
                    + " nothing of this request was spooled");
        }
    }

    private void appendStaged(TableName table, StagedRows rows, byte[] tag) throws HttpError {
        CompletableFuture<Staging> begun = spool.staged().begin(table, rows.rows(), rows.bytes() + (long) tag.length * rows.rows());
        Staging staging;
        try {
            staging = await(begun, "the start of the request", NOTHING);
        } catch (HttpError e) {
            begun.thenAccept(spool.staged()::abandon); // should it still begin: nothing of it is ever published
            throw e;
        }
        boolean published = false;
        try {
            try (StagedRows.Chunks chunks = rows.chunks(chunkRows, chunkBytes)) {
                for (List<byte[]> chunk = chunks.next(); !chunk.isEmpty(); chunk = chunks.next()) {
                    await(spool.staged().write(staging, tagged(tag, chunk)), "a part of the request", NOTHING); // staged rows stay invisible
                }
            } catch (IOException e) {
                throw new HttpError(ClickHouseCode.SYSTEM_ERROR, "cannot read the request's rows back from its spill"
                        + " file (" + e + ")" + NOTHING);
            }
            published = publish(spool.staged().publish(staging));
        } finally {
            if (!published) {
                spool.staged().abandon(staging).whenComplete((n, e) -> {
                    if (e != null) {
                        log.warn("cannot delete the staged rows of a failed HTTP insert ({}); they stay invisible and"
                                + " are deleted at the next start: {}", staging, e.getMessage());
                    }
                });
            }
        }
    }

    /** True once published; throws when it was not (cancelled after the wait, or failed). */
    private static boolean publish(StagedAppends.Publication p) throws HttpError {
        try {
            if (p.outcome().get(COMMIT_WAIT_S, TimeUnit.SECONDS)) {
                return true;
            }
            throw new HttpError(ClickHouseCode.ABORTED, "the publish was cancelled" + NOTHING);
        } catch (TimeoutException e) {
            if (p.cancel()) {
                throw new HttpError(ClickHouseCode.TIMEOUT_EXCEEDED, "the spool writer did not take the request within "
                        + COMMIT_WAIT_S + " s" + NOTHING);
            }
            try { // being committed right now: wait for that commit once more
                if (p.outcome().get(COMMIT_WAIT_S, TimeUnit.SECONDS)) {
                    return true;
                }
            } catch (TimeoutException | ExecutionException | InterruptedException again) {
                if (again instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new HttpError(ClickHouseCode.TIMEOUT_EXCEEDED, "the spool did not confirm the commit of the"
                        + " request within " + 2 * COMMIT_WAIT_S + " s; it may or may not be spooled");
            }
            throw new HttpError(ClickHouseCode.ABORTED, "the publish was cancelled" + NOTHING);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (p.cancel()) {
                throw new HttpError(ClickHouseCode.ABORTED, "interrupted while waiting for the commit" + NOTHING);
            }
            throw new HttpError(ClickHouseCode.ABORTED, "interrupted while the request was being committed; it may or"
                    + " may not be spooled");
        }
    }

    /**
     * The value, or the failure as an HttpError that says nothing of the request was spooled.
     *
     * @param afterTimeout what a timeout means for the request's rows
     */
    private static <T> T await(CompletableFuture<T> f, String what, String afterTimeout) throws HttpError {
        try {
            return f.get(COMMIT_WAIT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } catch (TimeoutException e) {
            throw new HttpError(ClickHouseCode.TIMEOUT_EXCEEDED, "the spool did not confirm " + what + " within "
                    + COMMIT_WAIT_S + " s" + afterTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(ClickHouseCode.ABORTED, "interrupted while waiting for " + what + NOTHING);
        }
    }

    private static HttpError failure(Throwable cause) {
        if (cause instanceof Rejection r) {
            String message = r.reason().code() + ": " + r.getMessage() + NOTHING;
            return r.reason() == RejectReason.BUSY ? new Busy(message, r.retryAfterMs())
                    : new HttpError(codeOf(r.reason()), message, r.retryAfterMs());
        }
        return new HttpError(ClickHouseCode.SYSTEM_ERROR, "spool write failed: " + cause.getMessage() + NOTHING);
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

    /** The spool's admission queue is full: retried for a while, then answered 503. */
    private static final class Busy extends HttpError {
        Busy(String message, long retryAfterMs) {
            super(ClickHouseCode.TOO_MANY_SIMULTANEOUS_QUERIES, message, retryAfterMs);
        }
    }
}

package org.chspool.spool;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;

/**
 * A change to the spool other than an append (delete delivered rows, record a failure, quarantine),
 * executed by the writer thread inside its current transaction, so the file has exactly one writing
 * connection and never sees lock contention between appends and deletes.
 */
abstract class WriteOp<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();

    /** Runs inside an open transaction on the writer's connection. */
    abstract T apply(Connection c, WriteContext ctx) throws SQLException;

    /** What the op did to the queue and the quarantine, applied to in-memory counters once committed. */
    interface WriteContext {
        void tableDelta(String table, long rows, long bytes);

        /** Rows and bytes the op added to (or, negative, removed from) the quarantine of {@code table}. */
        void quarantineDelta(String table, long rows, long bytes);

        /** The quarantine's payload bytes as this transaction leaves them so far (committed + its own deltas). */
        long quarantineBytes();

        /** Hands out the next queue id (never reused; committed with the transaction). */
        long allocateId();

        /** Hands out {@code n} consecutive queue ids and returns the first (reserved for a staged request). */
        long allocateIds(long n);

        /** {@code rows} became visible in the queue (published): counted as accepted, and delivery is woken. */
        void appended(long rows);

        /**
         * Whether appends wait on this transaction: it carries some, or more are queued. A long op should
         * then stop once the transaction has removed enough rows ({@link #rowsRemoved}) and let it commit.
         */
        boolean appendsWaiting();

        /** Queue rows this transaction has removed so far (deleted or quarantined). */
        long rowsRemoved();
    }
}

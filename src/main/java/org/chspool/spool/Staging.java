package org.chspool.spool;

/**
 * A large request being appended all or nothing without holding the writer for its whole size: its
 * queue ids are reserved at once ({@link StagedAppends#begin}), its rows are written in chunks, each its own
 * small transaction between other producers' commits ({@link StagedAppends#write}), and stay invisible
 * (readers skip the reserved range, {@code table_stats} and the cap's queued bytes do not count them,
 * though the cap reserves them) until {@link StagedAppends#publish} makes every row visible in one small
 * transaction, or {@link StagedAppends#abandon} deletes them. A staging left by a crash is deleted at the next
 * open: its request was never answered.
 *
 * <p>Rows published later than rows appended meanwhile have lower ids; a batch is never formed across a
 * staged range, so frozen batches stay contiguous.
 *
 * <p>Threading: one thread (the request's) uses a staging at a time; {@link #staged} is its own.
 */
public final class Staging {
    final long id;
    final TableName table;
    final long firstId;
    final long rows;
    final long bytes;
    final long createdUs;
    long staged;

    Staging(long id, TableName table, long firstId, long rows, long bytes, long createdUs) {
        this.id = id;
        this.table = table;
        this.firstId = firstId;
        this.rows = rows;
        this.bytes = bytes;
        this.createdUs = createdUs;
    }

    /** The request's rows. */
    public long rows() {
        return rows;
    }

    /** Rows written so far. */
    public long staged() {
        return staged;
    }

    long lastId() {
        return firstId + rows - 1;
    }

    @Override
    public String toString() {
        return "Staging[" + id + " " + table + " ids " + firstId + ".." + lastId() + ", " + staged + " of " + rows + "]";
    }
}

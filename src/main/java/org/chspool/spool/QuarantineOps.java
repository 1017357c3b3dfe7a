package org.chspool.spool;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongFunction;

/**
 * Operator actions on the quarantine, applied by the writer thread: move rows back into the queue
 * (after the table was fixed), or purge them explicitly. Rows are selected by table and/or ids; an
 * empty selection matches nothing (never "everything by accident"). Each op handles one {@link Chunk}
 * of the selection, in quarantine id order after a cursor, bounded by rows and bytes like one group
 * commit: {@link Spool} submits the next chunk when one is done, so puts are committed in between
 * instead of waiting for a whole large quarantine to move.
 */
final class QuarantineOps {
    private QuarantineOps() {}

    /** What one chunk did: rows handled, the last quarantine id handled, and whether rows may be left. */
    record Chunk(int rows, long lastId, boolean more) {}

    /** How much one chunk may handle: one group commit's worth (CH_COMMIT_MAX_ROWS, CH_COMMIT_MAX_BYTES). */
    record Bound(int rows, long bytes) {}

    /**
     * Runs the chunk op made for cursor {@code after} (0 first), then, from its completion on the writer
     * thread, the next one after the last row it handled, until a chunk says nothing is left. Each chunk is
     * its own unit in the writer's queue, so puts are committed between chunks. {@code afterChunk} runs
     * (on the writer thread) after each chunk that handled rows. Result: rows handled by all chunks; a
     * failure after some chunks says how many were done ({@code what}: "requeued", "purged").
     */
    static CompletableFuture<Integer> inChunks(GroupCommitWriter writer, LongFunction<WriteOp<Chunk>> op, String what,
                                               Runnable afterChunk) {
        return inChunks(writer, op, what, afterChunk, 0, 0);
    }

    private static CompletableFuture<Integer> inChunks(GroupCommitWriter writer, LongFunction<WriteOp<Chunk>> op,
                                                       String what, Runnable afterChunk, long after, int doneBefore) {
        return writer.submitOp(op.apply(after)).future.handle((chunk, failure) -> {
            if (failure != null) {
                throw new CompletionException(doneBefore == 0 ? failure
                        : new SpoolFileException(what + " " + doneBefore + " row(s), then: " + failure.getMessage(), failure));
            }
            if (chunk.rows() > 0) {
                afterChunk.run();
            }
            int done = doneBefore + chunk.rows();
            return chunk.more() ? inChunks(writer, op, what, afterChunk, chunk.lastId(), done)
                    : CompletableFuture.completedFuture(done);
        }).thenCompose(f -> f);
    }

    /** Which quarantined rows an action applies to. */
    record Selection(String table, long[] ids, long olderThanUs) {
        /** The rows after quarantine id {@code after} (bound first, as {@link #bind} expects). */
        String where() {
            StringBuilder w = new StringBuilder(" WHERE id > ?");
            if (table != null) {
                w.append(" AND tbl = ?");
            }
            if (ids != null) {
                w.append(" AND id IN (").append("?,".repeat(ids.length), 0, Math.max(0, ids.length * 2 - 1)).append(')');
            }
            if (olderThanUs > 0) {
                w.append(" AND quarantined_us < ?");
            }
            return w.toString();
        }

        int bind(PreparedStatement p, int start, long after) throws SQLException {
            int i = start;
            p.setLong(i++, after);
            if (table != null) {
                p.setString(i++, table);
            }
            if (ids != null) {
                for (long id : ids) {
                    p.setLong(i++, id);
                }
            }
            if (olderThanUs > 0) {
                p.setLong(i++, olderThanUs);
            }
            return i;
        }

        boolean isEmpty() {
            return table == null && (ids == null || ids.length == 0);
        }
    }

    /** Moves one chunk of rows back into the queue with new ids, attempts reset. */
    static final class Requeue extends WriteOp<Chunk> {
        private final Selection sel;
        private final long after;
        private final Bound bound;
        private final long nowUs;

        Requeue(Selection sel, long after, Bound bound, long nowUs) {
            this.sel = sel;
            this.after = after;
            this.bound = bound;
            this.nowUs = nowUs;
        }

        @Override
        Chunk apply(Connection c, WriteContext ctx) throws SQLException {
            if (sel.isEmpty() || (sel.ids() != null && sel.ids().length == 0)) {
                return new Chunk(0, after, false);
            }
            int n = 0;
            long bytes = 0;
            long last = after;
            boolean more = false;
            try (PreparedStatement q = c.prepareStatement("SELECT id, tbl, payload FROM quarantine"
                    + sel.where() + " ORDER BY id LIMIT ?");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO queue (tbl, id, payload, created_us)"
                         + " VALUES (?, ?, ?, ?)");
                 PreparedStatement del = c.prepareStatement("DELETE FROM quarantine WHERE id = ?")) {
                q.setInt(sel.bind(q, 1, after), bound.rows());
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        if (n > 0 && bytes >= bound.bytes()) {
                            more = true;
                            break;
                        }
                        String tbl = rs.getString(2);
                        byte[] payload = rs.getBytes(3);
                        ins.setString(1, tbl);
                        ins.setLong(2, ctx.allocateId());
                        ins.setBytes(3, payload);
                        // its age counts from the retry, or CH_MAX_AGE_S would quarantine it again at once
                        ins.setLong(4, nowUs);
                        ins.executeUpdate();
                        last = rs.getLong(1);
                        del.setLong(1, last);
                        del.executeUpdate();
                        ctx.tableDelta(tbl, 1, payload.length);
                        ctx.quarantineDelta(tbl, -1, -payload.length);
                        n++;
                        bytes += payload.length;
                    }
                }
            }
            return new Chunk(n, last, more || n == bound.rows());
        }
    }

    /** Deletes one chunk of quarantined rows for good. */
    static final class Purge extends WriteOp<Chunk> {
        private final Selection sel;
        private final long after;
        private final Bound bound;

        Purge(Selection sel, long after, Bound bound) {
            this.sel = sel;
            this.after = after;
            this.bound = bound;
        }

        @Override
        Chunk apply(Connection c, WriteContext ctx) throws SQLException {
            if (sel.isEmpty()) {
                return new Chunk(0, after, false);
            }
            int n = 0;
            long bytes = 0;
            long last = after;
            boolean more = false;
            try (PreparedStatement q = c.prepareStatement("SELECT id, tbl, length(payload) FROM quarantine"
                    + sel.where() + " ORDER BY id LIMIT ?");
                 PreparedStatement del = c.prepareStatement("DELETE FROM quarantine WHERE id = ?")) {
                q.setInt(sel.bind(q, 1, after), bound.rows());
                List<Long> ids = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        if (n > 0 && bytes >= bound.bytes()) {
                            more = true;
                            break;
                        }
                        ids.add(rs.getLong(1));
                        ctx.quarantineDelta(rs.getString(2), -1, -rs.getLong(3));
                        n++;
                        bytes += rs.getLong(3);
                    }
                }
                for (long id : ids) {
                    del.setLong(1, id);
                    del.executeUpdate();
                    last = id;
                }
            }
            return new Chunk(n, last, more || n == bound.rows());
        }
    }
}

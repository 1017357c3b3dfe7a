package org.chspool.spool;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** The write operations the replayer and operators ask of the writer thread. */
final class SpoolOps {
    private SpoolOps() {}

    /** Deletes delivered rows; result = rows deleted. */
    static final class Delete extends WriteOp<Integer> {
        private final String table;
        private final long[] ids;
        private final long bytes;

        Delete(String table, long[] ids, long bytes) {
            this.table = table;
            this.ids = ids;
            this.bytes = bytes;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            if (ids.length == 0) {
                return 0;
            }
            // Fast path: one range statement. A batch holds every row of its table between its first and
            // last id, so the range deletes exactly the batch; the count check guards that contract.
            try (PreparedStatement sp = c.prepareStatement("SAVEPOINT del")) {
                sp.execute();
            }
            int n;
            try (PreparedStatement d = c.prepareStatement("DELETE FROM queue WHERE tbl = ? AND id >= ? AND id <= ?")) {
                d.setString(1, table);
                d.setLong(2, ids[0]);
                d.setLong(3, ids[ids.length - 1]);
                n = d.executeUpdate();
            }
            if (n == ids.length) {
                exec(c, "RELEASE del");
                ctx.tableDelta(table, -n, -bytes);
                return n;
            }
            exec(c, "ROLLBACK TO del");
            exec(c, "RELEASE del");
            return deleteOneByOne(c, ctx);
        }

        private int deleteOneByOne(Connection c, WriteContext ctx) throws SQLException {
            try (RowRemover remover = new RowRemover(c, table)) {
                for (long id : ids) {
                    remover.remove(id);
                }
                ctx.tableDelta(table, -remover.rows, -remover.bytes);
                return remover.rows;
            }
        }
    }

    /**
     * Records a failed attempt of a frozen batch on its record (schema 8; see {@link SpoolSchema}):
     * attempts+1, the first and the last error, when the next attempt is due. One small row, whatever
     * the batch's size; its rows are not touched. Result = records updated (0 when the batch is gone).
     */
    static final class RecordFailure extends WriteOp<Integer> {
        private final long batchId;
        private final String error;
        private final long nextAttemptUs;

        RecordFailure(long batchId, String error, long nextAttemptUs) {
            this.batchId = batchId;
            this.error = error;
            this.nextAttemptUs = nextAttemptUs;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            try (PreparedStatement u = c.prepareStatement("UPDATE batch SET attempts = attempts + 1,"
                    + " first_error = coalesce(first_error, ?), last_error = ?, next_attempt_us = ? WHERE id = ?")) {
                u.setString(1, error);
                u.setString(2, error);
                u.setLong(3, nextAttemptUs);
                u.setLong(4, batchId);
                return u.executeUpdate();
            }
        }
    }

    /** What a frozen batch's record counts of its failed attempts (schema 8), carried to what replaces it. */
    record BatchFailures(int attempts, String firstError, String lastError, long nextAttemptUs) {
        static final BatchFailures NONE = new BatchFailures(0, null, null, 0);

        /** The record's counts, or {@link #NONE} when the record is gone. */
        static BatchFailures of(Connection c, long batchId) throws SQLException {
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT attempts, first_error, last_error, next_attempt_us FROM batch WHERE id = ?")) {
                p.setLong(1, batchId);
                try (ResultSet rs = p.executeQuery()) {
                    return rs.next() ? new BatchFailures(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getLong(4))
                            : NONE;
                }
            }
        }
    }

    /**
     * Moves rows from the queue into the quarantine table, unless their bytes would take the quarantine
     * over {@code maxBytes}: then it writes nothing and is {@link QuarantineOutcome.Refused}. Result:
     * {@link QuarantineOutcome.Moved} with the rows moved (the rest of a batch is the caller's), or Refused.
     */
    static final class Quarantine extends WriteOp<QuarantineOutcome> {
        private final long batchId;
        private final String table;
        private final long[] ids;
        private final long bytes;
        private final String error;
        private final String reason;
        private final long nowUs;
        private final long maxBytes;

        /**
         * @param batchId the frozen batch the rows are in, whose attempts and first error they carry into
         *     the quarantine; 0 for rows not frozen
         * @param bytes the rows' payload bytes as read (rows gone since only make the move smaller)
         */
        Quarantine(long batchId, String table, long[] ids, long bytes, String error, String reason, long nowUs,
                   long maxBytes) {
            this.batchId = batchId;
            this.table = table;
            this.ids = ids;
            this.bytes = bytes;
            this.error = error;
            this.reason = reason;
            this.nowUs = nowUs;
            this.maxBytes = maxBytes;
        }

        @Override
        QuarantineOutcome apply(Connection c, WriteContext ctx) throws SQLException {
            long held = ctx.quarantineBytes();
            if (held + bytes > maxBytes) {
                return new QuarantineOutcome.Refused("the quarantine is full: it holds " + Bytes.human(held) + " and "
                        + ids.length + " more row(s) of " + Bytes.human(bytes) + " would exceed CH_QUARANTINE_MAX_BYTES="
                        + Bytes.human(maxBytes) + "; the rows stay queued until quarantined rows are purged or retried"
                        + " (spoolctl quarantine purge|retry)");
            }
            BatchFailures carried = batchId > 0 ? BatchFailures.of(c, batchId) : BatchFailures.NONE;
            try (RowRemover remover = new RowRemover(c, table);
                 PreparedStatement mv = c.prepareStatement("INSERT INTO quarantine (queue_id, tbl, payload, created_us,"
                         + " attempts, first_error, last_error, reason, quarantined_us)"
                         + " SELECT id, tbl, payload, created_us, attempts + ? + 1, coalesce(first_error, ?, ?), ?, ?, ?"
                         + " FROM queue WHERE id = ? AND tbl = ?")) {
                for (long id : ids) {
                    mv.setInt(1, carried.attempts());
                    mv.setString(2, carried.firstError());
                    mv.setString(3, error);
                    mv.setString(4, error);
                    mv.setString(5, reason);
                    mv.setLong(6, nowUs);
                    mv.setLong(7, id);
                    mv.setString(8, table);
                    if (mv.executeUpdate() == 1) {
                        remover.remove(id);
                    }
                }
                ctx.tableDelta(table, -remover.rows, -remover.bytes);
                ctx.quarantineDelta(table, remover.rows, remover.bytes);
                return new QuarantineOutcome.Moved(remover.rows, java.util.Optional.empty());
            }
        }
    }

    /**
     * Records frozen batches (see {@link FrozenBatch}), replacing the record {@code replacesId} if not 0
     * (a split, a remainder, a re-freeze): the new records inherit its failed attempts and errors, so
     * each row's count goes on. Result = the new record ids, in order. Each spec must hold every queued
     * row of its table between its first and last id.
     */
    static final class AddBatches extends WriteOp<long[]> {
        private final List<SpoolBatch> specs;
        private final long[] checksums;
        private final long parentId;
        private final long replacesId;
        private final long nowUs;

        AddBatches(List<SpoolBatch> specs, long[] checksums, long parentId, long replacesId, long nowUs) {
            this.specs = specs;
            this.checksums = checksums;
            this.parentId = parentId;
            this.replacesId = replacesId;
            this.nowUs = nowUs;
        }

        @Override
        long[] apply(Connection c, WriteContext ctx) throws SQLException {
            BatchFailures carried = BatchFailures.NONE;
            if (replacesId > 0) {
                carried = BatchFailures.of(c, replacesId);
                new RemoveBatch(replacesId).apply(c, ctx);
            }
            long[] ids = new long[specs.size()];
            try (PreparedStatement p = c.prepareStatement("INSERT INTO batch (tbl, first_id, last_id, rows, bytes,"
                    + " checksum, parent_id, frozen_us, attempts, first_error, last_error, next_attempt_us)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement rowid = c.prepareStatement("SELECT last_insert_rowid()")) {
                for (int i = 0; i < ids.length; i++) {
                    SpoolBatch b = specs.get(i);
                    p.setString(1, b.table().qualified());
                    p.setLong(2, b.ids()[0]);
                    p.setLong(3, b.ids()[b.size() - 1]);
                    p.setInt(4, b.size());
                    p.setLong(5, b.bytes());
                    p.setLong(6, checksums[i]);
                    if (parentId > 0) {
                        p.setLong(7, parentId);
                    } else {
                        p.setNull(7, java.sql.Types.INTEGER);
                    }
                    p.setLong(8, nowUs);
                    p.setInt(9, carried.attempts());
                    p.setString(10, carried.firstError());
                    p.setString(11, carried.lastError());
                    p.setLong(12, carried.nextAttemptUs());
                    p.executeUpdate();
                    try (ResultSet rs = rowid.executeQuery()) {
                        rs.next();
                        ids[i] = rs.getLong(1);
                    }
                }
            }
            return ids;
        }
    }

    /** Removes a frozen batch's record (its rows are handled by the op it is composed with). */
    /**
     * Deletes the rows of an accepted frozen batch from position {@code from} on, {@code chunkRows} at a
     * time, and its record with the last of them; but before each chunk, if appends wait on the
     * transaction (it carries some, or more are queued) and the transaction has removed {@code chunkRows}
     * rows already (this op or another), it stops, marks the batch delivered (never to be sent again) if
     * any of its rows are gone, and returns how far it got, so the transaction commits and the appends
     * are answered; the caller submits the rest. Without appends the whole batch goes in one transaction.
     * Result: {rows deleted, position reached}.
     */
    static final class DeleteDelivered extends WriteOp<int[]> {
        private final FrozenBatch batch;
        private final int from;
        private final int chunkRows;

        DeleteDelivered(FrozenBatch batch, int from, int chunkRows) {
            this.batch = batch;
            this.from = from;
            this.chunkRows = chunkRows;
        }

        @Override
        int[] apply(Connection c, WriteContext ctx) throws SQLException {
            SpoolBatch rows = batch.rows();
            int at = from;
            int deleted = 0;
            while (at < rows.size()) {
                if (ctx.rowsRemoved() >= chunkRows && ctx.appendsWaiting()) {
                    if (at > 0) {
                        try (PreparedStatement p = c.prepareStatement("UPDATE batch SET delivered = 1 WHERE id = ?")) {
                            p.setLong(1, batch.id());
                            p.executeUpdate();
                        }
                    }
                    return new int[] {deleted, at};
                }
                int end = Math.min(rows.size(), at + chunkRows);
                SpoolBatch chunk = rows.slice(at, end);
                deleted += new Delete(chunk.table().qualified(), chunk.ids(), chunk.bytes()).apply(c, ctx);
                at = end;
            }
            new RemoveBatch(batch.id()).apply(c, ctx);
            return new int[] {deleted, at};
        }
    }

    static final class RemoveBatch extends WriteOp<Integer> {
        private final long id;

        RemoveBatch(long id) {
            this.id = id;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM batch WHERE id = ?")) {
                p.setLong(1, id);
                return p.executeUpdate();
            }
        }
    }

    /**
     * Several ops as one unit: all commit together or none does. Result = each op's result, in order. A
     * part that is {@link QuarantineOutcome.Refused} wrote nothing; the unit stops there and its result is
     * that refusal alone, so such a part must come first (a refusal after a part that wrote is a bug).
     */
    static final class All extends WriteOp<List<Object>> {
        private final List<WriteOp<?>> parts;

        All(List<WriteOp<?>> parts) {
            this.parts = parts;
        }

        @Override
        List<Object> apply(Connection c, WriteContext ctx) throws SQLException {
            List<Object> out = new java.util.ArrayList<>(parts.size());
            for (WriteOp<?> op : parts) {
                Object result = op.apply(c, ctx);
                if (result instanceof QuarantineOutcome.Refused) {
                    if (!out.isEmpty()) {
                        throw new IllegalStateException("a refusing part must come first: " + parts);
                    }
                    return List.of(result);
                }
                out.add(result);
            }
            return out;
        }
    }

    /** Deletes queue rows of one table by id, one at a time, adding up what it removed. */
    private static final class RowRemover implements AutoCloseable {
        private final String table;
        private final PreparedStatement length;
        private final PreparedStatement delete;
        int rows;
        long bytes;

        RowRemover(Connection c, String table) throws SQLException {
            this.table = table;
            this.length = c.prepareStatement("SELECT length(payload) FROM queue WHERE tbl = ? AND id = ?");
            this.delete = c.prepareStatement("DELETE FROM queue WHERE tbl = ? AND id = ?");
        }

        /** Removes the row if it is queued (a row already gone is skipped). */
        void remove(long id) throws SQLException {
            length.setString(1, table);
            length.setLong(2, id);
            try (ResultSet rs = length.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                bytes += rs.getLong(1);
            }
            delete.setString(1, table);
            delete.setLong(2, id);
            rows += delete.executeUpdate();
        }

        @Override
        public void close() throws SQLException {
            length.close();
            delete.close();
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.execute();
        }
    }
}

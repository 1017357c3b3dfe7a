package org.chspool.spool;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

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
            int n = 0;
            long b = 0;
            try (PreparedStatement len = c.prepareStatement("SELECT length(payload) FROM queue WHERE id = ? AND tbl = ?");
                 PreparedStatement d = c.prepareStatement("DELETE FROM queue WHERE id = ? AND tbl = ?")) {
                for (long id : ids) {
                    len.setLong(1, id);
                    len.setString(2, table);
                    try (ResultSet rs = len.executeQuery()) {
                        if (!rs.next()) {
                            continue;
                        }
                        b += rs.getLong(1);
                    }
                    d.setLong(1, id);
                    d.setString(2, table);
                    n += d.executeUpdate();
                }
            }
            ctx.tableDelta(table, -n, -b);
            return n;
        }
    }

    /** Records a failed attempt on rows: attempts+1, errors, next attempt time; result = rows updated. */
    static final class RecordFailure extends WriteOp<Integer> {
        private final String table;
        private final long[] ids;
        private final String error;
        private final long nextAttemptUs;

        RecordFailure(String table, long[] ids, String error, long nextAttemptUs) {
            this.table = table;
            this.ids = ids;
            this.error = error;
            this.nextAttemptUs = nextAttemptUs;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            if (ids.length == 0) {
                return 0;
            }
            try (PreparedStatement u = c.prepareStatement("UPDATE queue SET attempts = attempts + 1,"
                    + " first_error = coalesce(first_error, ?), last_error = ?, next_attempt_us = ?"
                    + " WHERE tbl = ? AND id >= ? AND id <= ?")) {
                u.setString(1, error);
                u.setString(2, error);
                u.setLong(3, nextAttemptUs);
                u.setString(4, table);
                u.setLong(5, ids[0]);
                u.setLong(6, ids[ids.length - 1]);
                return u.executeUpdate();
            }
        }
    }

    /** Moves rows from the queue into the quarantine table; result = rows moved. */
    static final class Quarantine extends WriteOp<Integer> {
        private final String table;
        private final long[] ids;
        private final String error;
        private final String reason;
        private final long nowUs;

        Quarantine(String table, long[] ids, String error, String reason, long nowUs) {
            this.table = table;
            this.ids = ids;
            this.error = error;
            this.reason = reason;
            this.nowUs = nowUs;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            int n = 0;
            long b = 0;
            try (PreparedStatement len = c.prepareStatement("SELECT length(payload) FROM queue WHERE id = ? AND tbl = ?");
                 PreparedStatement mv = c.prepareStatement("INSERT INTO quarantine (queue_id, tbl, payload, created_us,"
                         + " attempts, first_error, last_error, reason, quarantined_us)"
                         + " SELECT id, tbl, payload, created_us, attempts + 1, coalesce(first_error, ?), ?, ?, ?"
                         + " FROM queue WHERE id = ? AND tbl = ?");
                 PreparedStatement d = c.prepareStatement("DELETE FROM queue WHERE id = ? AND tbl = ?")) {
                for (long id : ids) {
                    len.setLong(1, id);
                    len.setString(2, table);
                    try (ResultSet rs = len.executeQuery()) {
                        if (!rs.next()) {
                            continue;
                        }
                        b += rs.getLong(1);
                    }
                    mv.setString(1, error);
                    mv.setString(2, error);
                    mv.setString(3, reason);
                    mv.setLong(4, nowUs);
                    mv.setLong(5, id);
                    mv.setString(6, table);
                    mv.executeUpdate();
                    d.setLong(1, id);
                    d.setString(2, table);
                    n += d.executeUpdate();
                }
            }
            ctx.tableDelta(table, -n, -b);
            return n;
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.execute();
        }
    }
}

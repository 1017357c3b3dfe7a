package org.chspool.spool;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The writer ops of a {@link Staging}: begin, write a chunk, publish, abort; and the clean-up at open. */
final class StagingOps {
    private StagingOps() {}

    /** Reserves the request's ids and records the staging; result = {@code {staging id, first id}}. */
    static final class Begin extends WriteOp<long[]> {
        private final String table;
        private final long rows;
        private final long bytes;
        private final long nowUs;

        Begin(String table, long rows, long bytes, long nowUs) {
            this.table = table;
            this.rows = rows;
            this.bytes = bytes;
            this.nowUs = nowUs;
        }

        @Override
        long[] apply(Connection c, WriteContext ctx) throws SQLException {
            long first = ctx.allocateIds(rows);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO staging (tbl, first_id, last_id, rows, bytes,"
                    + " created_us) VALUES (?, ?, ?, ?, ?, ?)");
                 PreparedStatement rowid = c.prepareStatement("SELECT last_insert_rowid()")) {
                p.setString(1, table);
                p.setLong(2, first);
                p.setLong(3, first + rows - 1);
                p.setLong(4, rows);
                p.setLong(5, bytes);
                p.setLong(6, nowUs);
                p.executeUpdate();
                try (ResultSet rs = rowid.executeQuery()) {
                    rs.next();
                    return new long[] {rs.getLong(1), first};
                }
            }
        }
    }

    /** Writes one chunk of a staging's rows, invisible until published; result = rows written. */
    static final class Rows extends WriteOp<Integer> {
        private final long stagingId;
        private final String table;
        private final long firstId;
        private final List<byte[]> rows;
        private final long createdUs;

        Rows(long stagingId, String table, long firstId, List<byte[]> rows, long createdUs) {
            this.stagingId = stagingId;
            this.table = table;
            this.firstId = firstId;
            this.rows = rows;
            this.createdUs = createdUs;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            try (PreparedStatement count = c.prepareStatement("UPDATE staging SET staged = staged + ? WHERE id = ?"
                    + " AND staged + ? <= rows");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO queue (tbl, id, payload, created_us)"
                         + " VALUES (?, ?, ?, ?)")) {
                count.setInt(1, rows.size());
                count.setLong(2, stagingId);
                count.setInt(3, rows.size());
                if (count.executeUpdate() != 1) {
                    throw new SQLException("staging " + stagingId + " is gone or already full");
                }
                long id = firstId;
                for (byte[] row : rows) {
                    ins.setString(1, table);
                    ins.setLong(2, id++);
                    ins.setBytes(3, row);
                    ins.setLong(4, createdUs);
                    ins.addBatch();
                }
                ins.executeBatch();
                return rows.size();
            }
        }
    }

    /**
     * Makes every row of a complete staging visible (drops its record, counts its rows) in one small
     * transaction; result = true. Can be {@link #cancel cancelled} until the writer takes it: it then
     * deletes the staging instead and the result is false, so a caller that gave up waiting knows.
     */
    static final class Publish extends WriteOp<Boolean> {
        private static final int WAITING = 0;
        private static final int TAKEN = 1;
        private static final int CANCELLED = 2;

        private final Staging staging;
        private final AtomicInteger state = new AtomicInteger(WAITING);

        Publish(Staging staging) {
            this.staging = staging;
        }

        /** True when the publish will not happen (the staging is deleted instead); false when it was taken. */
        boolean cancel() {
            return state.compareAndSet(WAITING, CANCELLED) || state.get() == CANCELLED;
        }

        @Override
        Boolean apply(Connection c, WriteContext ctx) throws SQLException {
            if (!state.compareAndSet(WAITING, TAKEN) && state.get() == CANCELLED) {
                new Abort(staging).apply(c, ctx);
                return false;
            }
            long staged;
            try (PreparedStatement p = c.prepareStatement("SELECT staged FROM staging WHERE id = ?")) {
                p.setLong(1, staging.id);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("staging " + staging.id + " is gone");
                    }
                    staged = rs.getLong(1);
                }
            }
            if (staged != staging.rows) {
                throw new SQLException("staging " + staging.id + " holds " + staged + " of its " + staging.rows + " rows");
            }
            try (PreparedStatement d = c.prepareStatement("DELETE FROM staging WHERE id = ?")) {
                d.setLong(1, staging.id);
                d.executeUpdate();
            }
            ctx.tableDelta(staging.table.qualified(), staging.rows, staging.bytes);
            ctx.appended(staging.rows);
            return true;
        }
    }

    /** Deletes a staging's rows and its record; result = rows deleted. */
    static final class Abort extends WriteOp<Integer> {
        private final Staging staging;

        Abort(Staging staging) {
            this.staging = staging;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            return delete(c, staging.id, staging.table.qualified(), staging.firstId, staging.lastId());
        }
    }

    /** Deletes every staging left in the file (requests a crash or kill left unanswered); result = rows deleted. */
    static long abortAll(Connection c) throws SQLException {
        long n = 0;
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try {
                List<long[]> ranges = new java.util.ArrayList<>();
                List<String> tables = new java.util.ArrayList<>();
                try (ResultSet rs = s.executeQuery("SELECT id, tbl, first_id, last_id FROM staging")) {
                    while (rs.next()) {
                        ranges.add(new long[] {rs.getLong(1), rs.getLong(3), rs.getLong(4)});
                        tables.add(rs.getString(2));
                    }
                }
                for (int i = 0; i < ranges.size(); i++) {
                    long[] r = ranges.get(i);
                    n += delete(c, r[0], tables.get(i), r[1], r[2]);
                }
                s.execute("COMMIT");
            } catch (SQLException e) {
                s.execute("ROLLBACK");
                throw e;
            }
        }
        return n;
    }

    private static int delete(Connection c, long stagingId, String table, long firstId, long lastId) throws SQLException {
        int n;
        try (PreparedStatement d = c.prepareStatement("DELETE FROM queue WHERE tbl = ? AND id >= ? AND id <= ?")) {
            d.setString(1, table);
            d.setLong(2, firstId);
            d.setLong(3, lastId);
            n = d.executeUpdate();
        }
        try (PreparedStatement d = c.prepareStatement("DELETE FROM staging WHERE id = ?")) {
            d.setLong(1, stagingId);
            d.executeUpdate();
        }
        return n;
    }
}

package org.chspool.spool;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Operator actions on the quarantine, applied by the writer thread: move rows back into the queue
 * (after the table was fixed), or purge them explicitly. Rows are selected by table and/or ids; an
 * empty selection matches nothing (never "everything by accident").
 */
final class QuarantineOps {
    private QuarantineOps() {}

    /** Which quarantined rows an action applies to. */
    record Selection(String table, long[] ids, long olderThanUs) {
        String where() {
            StringBuilder w = new StringBuilder(" WHERE 1=1");
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

        int bind(PreparedStatement p, int start) throws SQLException {
            int i = start;
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

    /** Moves rows back into the queue with new ids, attempts reset; result = rows moved. */
    static final class Requeue extends WriteOp<Integer> {
        private final Selection sel;
        private final long nowUs;

        Requeue(Selection sel, long nowUs) {
            this.sel = sel;
            this.nowUs = nowUs;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            if (sel.isEmpty() || (sel.ids() != null && sel.ids().length == 0)) {
                return 0;
            }
            int n = 0;
            try (PreparedStatement q = c.prepareStatement("SELECT id, tbl, payload FROM quarantine"
                    + sel.where() + " ORDER BY id");
                 PreparedStatement ins = c.prepareStatement("INSERT INTO queue (tbl, id, payload, created_us)"
                         + " VALUES (?, ?, ?, ?)");
                 PreparedStatement del = c.prepareStatement("DELETE FROM quarantine WHERE id = ?")) {
                sel.bind(q, 1);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        String tbl = rs.getString(2);
                        byte[] payload = rs.getBytes(3);
                        ins.setString(1, tbl);
                        ins.setLong(2, ctx.allocateId());
                        ins.setBytes(3, payload);
                        // its age counts from the retry, or CH_MAX_AGE_S would quarantine it again at once
                        ins.setLong(4, nowUs);
                        ins.executeUpdate();
                        del.setLong(1, rs.getLong(1));
                        del.executeUpdate();
                        ctx.tableDelta(tbl, 1, payload.length);
                        n++;
                    }
                }
            }
            return n;
        }
    }

    /** Deletes quarantined rows for good; result = rows removed. */
    static final class Purge extends WriteOp<Integer> {
        private final Selection sel;

        Purge(Selection sel) {
            this.sel = sel;
        }

        @Override
        Integer apply(Connection c, WriteContext ctx) throws SQLException {
            if (sel.isEmpty()) {
                return 0;
            }
            try (PreparedStatement d = c.prepareStatement("DELETE FROM quarantine" + sel.where())) {
                sel.bind(d, 1);
                return d.executeUpdate();
            }
        }
    }
}

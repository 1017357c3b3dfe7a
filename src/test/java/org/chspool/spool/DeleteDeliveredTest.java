package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delete of an accepted batch yields to waiting appends: after the chunk in progress it marks the
 * batch delivered and stops, so its transaction commits and the appends go next; the rest follows later,
 * the record with the last rows.
 */
class DeleteDeliveredTest {
    private static final TableName T = TableName.ofStored("default.events");

    @TempDir
    Path dir;

    /** The op's view of the writer, with appends waiting or not; it counts the rows removed like the writer. */
    private static WriteOp.WriteContext context(boolean appendsWaiting) {
        long[] removed = {0};
        return new WriteOp.WriteContext() {
            @Override public void tableDelta(String table, long rows, long bytes) {
                if (rows < 0) {
                    removed[0] -= rows;
                }
            }
            @Override public long rowsRemoved() { return removed[0]; }
            @Override public void quarantineDelta(String table, long rows, long bytes) { }
            @Override public long quarantineBytes() { return 0; }
            @Override public long allocateId() { throw new UnsupportedOperationException(); }
            @Override public long allocateIds(long n) { throw new UnsupportedOperationException(); }
            @Override public void appended(long rows) { }
            @Override public boolean appendsWaiting() { return appendsWaiting; }
        };
    }

    private static long scalar(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    @Test
    void withAppendsWaitingItStopsAfterOneChunkMarkedDeliveredAndTheRestFinishesLater() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        FrozenBatch batch;
        try (Spool spool = Spool.open(cfg)) {
            List<byte[]> rows = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                rows.add(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            spool.appendAll(T, rows).get(10, TimeUnit.SECONDS);
            batch = spool.freeze(spool.reader().after(T, Long.MIN_VALUE, 5_000, 1 << 30)).get(10, TimeUnit.SECONDS);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile())) {
            c.setAutoCommit(false);
            int[] first = new SpoolOps.DeleteDelivered(batch, 0, 2_000).apply(c, context(true));
            c.commit();
            assertArrayEquals(new int[] {2_000, 2_000}, first, "one chunk, then it yields");
            assertEquals(3_000, scalar(c, "SELECT count(*) FROM queue"));
            assertEquals(1, scalar(c, "SELECT delivered FROM batch WHERE id = " + batch.id()), "never to be sent again");

            int[] rest = new SpoolOps.DeleteDelivered(batch, first[1], 2_000).apply(c, context(false));
            c.commit();
            assertArrayEquals(new int[] {3_000, 5_000}, rest, "no appends waiting: the rest at once");
            assertEquals(0, scalar(c, "SELECT count(*) FROM queue"));
            assertEquals(0, scalar(c, "SELECT count(*) FROM batch"), "the record left with the last rows");
        }
    }

    @Test
    void aTransactionThatRemovedAChunkAlreadyDeletesNothingMoreWhileAppendsWaitAndMarksNothing() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        FrozenBatch batch;
        try (Spool spool = Spool.open(cfg)) {
            List<byte[]> rows = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                rows.add(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            spool.appendAll(T, rows).get(10, TimeUnit.SECONDS);
            batch = spool.freeze(spool.reader().after(T, Long.MIN_VALUE, 3_000, 1 << 30)).get(10, TimeUnit.SECONDS);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile())) {
            c.setAutoCommit(false);
            WriteOp.WriteContext busy = context(true);
            busy.tableDelta(T.qualified(), -2_000, -20_000); // another op of this transaction removed a chunk
            assertArrayEquals(new int[] {0, 0}, new SpoolOps.DeleteDelivered(batch, 0, 2_000).apply(c, busy));
            c.commit();
            assertEquals(3_000, scalar(c, "SELECT count(*) FROM queue"));
            assertEquals(0, scalar(c, "SELECT delivered FROM batch WHERE id = " + batch.id()),
                    "nothing of it is gone: it need not be marked");
        }
    }
}

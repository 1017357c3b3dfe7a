package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A staged request: its rows are written in chunks, each its own transaction, invisible to delivery and
 * status until one small transaction publishes all of them; abandoned, failed midway or cut by a crash,
 * it leaves nothing.
 */
class StagingTest {
    static final TableName T = TableName.ofStored("default.events");

    @TempDir
    Path dir;

    static List<byte[]> rows(String tag, int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(("{\"" + tag + "\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    static long bytes(List<byte[]> rows) {
        return rows.stream().mapToLong(r -> r.length).sum();
    }

    static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Rows in the file's queue table, visible or not. */
    static long rowsInFile(AgentConfig cfg) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM queue) + (SELECT count(*) FROM staging)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Staging stageInTwoChunks(Spool spool, List<byte[]> big) throws Exception {
        Staging s = get(spool.staged().begin(T, big.size(), bytes(big)));
        get(spool.staged().write(s, big.subList(0, 6)));
        get(spool.staged().write(s, big.subList(6, big.size())));
        return s;
    }

    @Test
    void stagedRowsAreInvisibleUntilPublishedThenAllQueuedInOneCommit() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            List<byte[]> big = rows("big", 10);
            Staging s = stageInTwoChunks(spool, big);
            get(spool.append(T, rows("small", 1).get(0)));

            assertEquals(1, spool.queuedRows(), "only the small put is queued");
            assertEquals(List.of("{\"small\":0}"), payloads(spool.reader().oldest(T, 100, Long.MAX_VALUE)));
            assertEquals("{\"small\":0}".length(), spool.reader().backlog().get(0).bytes());

            long commits = spool.counters().commits();
            assertTrue(get(spool.staged().publish(s).outcome()));

            assertEquals(1, spool.counters().commits() - commits);
            assertEquals(11, spool.queuedRows());
            assertEquals(11, spool.counters().rowsAccepted());
            SpoolBatch all = spool.reader().oldest(T, 100, Long.MAX_VALUE);
            assertEquals(11, all.size());
            assertEquals("{\"big\":0}", payloads(all).get(0), "staged first: lower ids");
            assertEquals("{\"small\":0}", payloads(all).get(10));
        }
    }

    @Test
    void aBatchReadWhileARequestIsStagedStopsAtItsRangeAndTheNextStartsAfterIt() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            get(spool.append(T, rows("before", 1).get(0)));
            List<byte[]> big = rows("big", 10);
            Staging s = get(spool.staged().begin(T, big.size(), bytes(big)));
            get(spool.staged().write(s, big));
            get(spool.append(T, rows("after", 1).get(0)));

            SpoolBatch first = spool.reader().oldest(T, 100, Long.MAX_VALUE);
            assertEquals(List.of("{\"before\":0}"), payloads(first), "a batch never spans a staged range");
            FrozenBatch frozen = get(spool.freeze(first));
            SpoolBatch second = spool.reader().after(T, first.ids()[0], 100, Long.MAX_VALUE);
            assertEquals(List.of("{\"after\":0}"), payloads(second));
            FrozenBatch frozenAfter = get(spool.freeze(second));

            assertTrue(get(spool.staged().publish(s).outcome()));

            assertTrue(spool.reader().frozenAfter(T, Long.MIN_VALUE).orElseThrow().isIntact());
            assertTrue(spool.reader().frozenAfter(T, frozen.lastId()).orElseThrow().isIntact());
            assertEquals(1, get(spool.delivered(frozen)));
            assertEquals(1, get(spool.delivered(frozenAfter)));
            assertEquals(10, spool.reader().oldest(T, 100, Long.MAX_VALUE).size(), "the published rows, now queued");
        }
    }

    @Test
    void anAbandonedStagingLeavesNothingAndItsBytesNoLongerCount() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir, "CH_SPOOL_MAX_BYTES", "1MiB");
        try (Spool spool = Spool.open(cfg)) {
            List<byte[]> big = List.of(new byte[900 << 10]);
            Staging s = get(spool.staged().begin(T, 1, bytes(big)));
            get(spool.staged().write(s, big));

            Rejection full = rejection(spool.append(T, new byte[200 << 10]));
            assertEquals(RejectReason.SPOOL_FULL, full.reason(), "the staged bytes are reserved under the cap");

            assertEquals(1, get(spool.staged().abandon(s)));
            assertEquals(0, rowsInFile(cfg));
            assertEquals(1, get(spool.append(T, new byte[200 << 10])));
        }
    }

    @Test
    void aStagingLeftByACrashIsDeletedAtTheNextOpen() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = Spool.open(cfg)) {
            stageInTwoChunks(spool, rows("big", 10));
        }
        assertEquals(11, rowsInFile(cfg), "10 rows and the staging record, never published");
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(0, spool.queuedRows());
            assertEquals(0, rowsInFile(cfg));
        }
    }

    @Test
    void aChunkFailingOnAFullDiskLeavesTheRequestUnpublishedAndAbandoningItLeavesNothing() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = Spool.open(cfg)) {
            List<byte[]> big = rows("big", 2000);
            Staging s = get(spool.staged().begin(T, big.size(), bytes(big)));
            get(spool.staged().write(s, big.subList(0, 1000)));
            get(spool.limitPagesForTest(1)); // no page beyond the current ones: SQLITE_FULL
            ExecutionException e = assertThrows(ExecutionException.class, () -> get(spool.staged().write(s,
                    big.subList(1000, 2000))));
            assertInstanceOf(SpoolFileException.class, e.getCause());

            get(spool.staged().abandon(s));

            assertEquals(0, spool.queuedRows());
            assertEquals(0, rowsInFile(cfg));
        }
    }

    @Test
    void aPublishCancelledBeforeTheWriterTookItDeletesTheStagingInstead() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = Spool.open(cfg)) {
            Staging s = stageInTwoChunks(spool, rows("big", 10));
            java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            var stall = spool.submitForTest(new WriteOp<Object>() {
                @Override
                Object apply(Connection c, WriteContext ctx) throws java.sql.SQLException {
                    inside.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                }
            });
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            StagedAppends.Publication p = spool.staged().publish(s);
            assertTrue(p.cancel(), "the writer is stalled: the publish was not taken");
            release.countDown();

            assertFalse(get(p.outcome()));
            get(stall);
            assertEquals(0, spool.queuedRows());
            assertEquals(0, rowsInFile(cfg));
        }
    }

    private static Rejection rejection(java.util.concurrent.CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(Rejection.class, e.getCause());
    }

    private static List<String> payloads(SpoolBatch b) {
        return b.payloads().stream().map(p -> new String(p, StandardCharsets.UTF_8)).toList();
    }
}

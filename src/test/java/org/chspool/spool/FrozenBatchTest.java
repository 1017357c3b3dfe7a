package org.chspool.spool;

import static org.chspool.spool.SpoolTest.T;
import static org.chspool.spool.SpoolTest.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Frozen batches: identity committed before the first send, the same block on every resend, schema 2. */
class FrozenBatchTest {
    @TempDir
    Path dir;

    private static void appendRows(Spool spool, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            spool.append(T, row(i)).get(5, TimeUnit.SECONDS);
        }
    }

    private static FrozenBatch freezeOldest(Spool spool, int rows) throws Exception {
        return spool.freeze(spool.reader().oldest(T, rows, Long.MAX_VALUE)).get(5, TimeUnit.SECONDS);
    }

    private static FrozenBatch frozenHead(Spool spool) throws Exception {
        return spool.reader().frozenAfter(T, Long.MIN_VALUE).orElseThrow();
    }

    @Test
    void aFrozenBatchIsReadBackAfterReopenWithTheSameRowsOrderAndToken() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        FrozenBatch frozen;
        try (Spool spool = Spool.open(cfg)) {
            appendRows(spool, 0, 50);
            frozen = freezeOldest(spool, 30);
            assertEquals(30, frozen.size());
            assertTrue(frozen.isIntact());
        }
        try (Spool spool = Spool.open(cfg)) {
            FrozenBatch again = frozenHead(spool);
            assertEquals(frozen.id(), again.id());
            assertEquals(frozen.token(), again.token());
            assertTrue(again.isIntact());
            assertArrayEquals(frozen.rows().ids(), again.rows().ids());
            for (int i = 0; i < 30; i++) {
                assertArrayEquals(row(i), again.rows().payloads().get(i));
            }
        }
    }

    @Test
    void newRowsNeverJoinAFrozenBatch() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            appendRows(spool, 0, 10);
            FrozenBatch frozen = freezeOldest(spool, 1000);
            appendRows(spool, 10, 25);
            FrozenBatch again = frozenHead(spool);
            assertEquals(10, again.size());
            assertEquals(frozen.token(), again.token());
            // The rows after it form the next batch, never overlapping the frozen range.
            SpoolBatch next = spool.reader().after(T, again.lastId(), 1000, Long.MAX_VALUE);
            assertEquals(15, next.size());
            assertTrue(next.ids()[0] > again.lastId());
        }
    }

    @Test
    void deliveredRemovesTheRowsAndTheRecordTogether() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            appendRows(spool, 0, 20);
            FrozenBatch frozen = freezeOldest(spool, 12);
            assertEquals(12, spool.delivered(frozen).get(5, TimeUnit.SECONDS));
            assertEquals(8, spool.queuedRows());
            assertEquals(Optional.empty(), spool.reader().frozenAfter(T, Long.MIN_VALUE));
            assertEquals(java.util.Map.of(), spool.reader().frozenCounts());
        }
    }

    @Test
    void splitReplacesABatchByTwoFrozenHalvesThatSurviveAReopen() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        List<FrozenBatch> halves;
        try (Spool spool = Spool.open(cfg)) {
            appendRows(spool, 0, 10);
            FrozenBatch frozen = freezeOldest(spool, 10);
            halves = spool.split(frozen, 4).get(5, TimeUnit.SECONDS);
            assertEquals(List.of(4, 6), halves.stream().map(FrozenBatch::size).toList());
            assertNotEquals(frozen.token(), halves.get(0).token());
        }
        try (Spool spool = Spool.open(cfg)) {
            FrozenBatch first = frozenHead(spool);
            FrozenBatch second = spool.reader().frozenAfter(T, first.lastId()).orElseThrow();
            assertEquals(halves.get(0).token(), first.token());
            assertEquals(halves.get(1).token(), second.token());
            assertEquals(Optional.empty(), spool.reader().frozenAfter(T, second.lastId()));
            assertEquals(10, spool.queuedRows());
        }
    }

    @Test
    void droppingDuplicatesDeletesThemAndRefreezesTheRest() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            appendRows(spool, 0, 6);
            FrozenBatch frozen = freezeOldest(spool, 6);
            Spool.Replacement r = spool.dropDuplicates(frozen, new int[] {1, 4}).get(5, TimeUnit.SECONDS);
            assertEquals(2, r.rowsRemoved());
            FrozenBatch rest = r.rest().orElseThrow();
            assertEquals(4, rest.size());
            FrozenBatch head = frozenHead(spool);
            assertEquals(rest.token(), head.token());
            assertTrue(head.isIntact());
            assertEquals(4, spool.queuedRows());
            assertArrayEquals(row(2), head.rows().payloads().get(1));
        }
    }

    @Test
    void quarantiningAPrefixRefreezesTheRestAndQuarantiningAllLeavesNoRecord() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            appendRows(spool, 0, 5);
            FrozenBatch frozen = freezeOldest(spool, 5);
            QuarantineOutcome.Moved r = (QuarantineOutcome.Moved) spool.quarantinePrefix(frozen, 2, "err", "reason")
                    .get(5, TimeUnit.SECONDS);
            assertEquals(2, r.rows());
            FrozenBatch rest = r.rest().orElseThrow();
            assertEquals(3, rest.size());
            assertEquals(new QuarantineOutcome.Moved(3, Optional.empty()), spool.quarantine(rest, "err", "reason")
                    .get(5, TimeUnit.SECONDS));
            assertEquals(0, spool.queuedRows());
            assertEquals(5L, spool.reader().quarantineCounts().get(T.qualified()));
            assertEquals(Optional.empty(), spool.reader().frozenAfter(T, Long.MIN_VALUE));
        }
    }

    @Test
    void twoSpoolFilesNeverShareATokenForTheSameIds() throws Exception {
        String a;
        String b;
        try (Spool spool = Spool.open(TestConfigs.forDir(dir.resolve("a")))) {
            appendRows(spool, 0, 3);
            a = freezeOldest(spool, 3).token();
        }
        try (Spool spool = Spool.open(TestConfigs.forDir(dir.resolve("b")))) {
            appendRows(spool, 0, 3);
            b = freezeOldest(spool, 3).token();
        }
        assertNotEquals(a, b, "same ids and rows in two spools must still give two tokens");
    }

    @Test
    void aBatchWhoseRowsChangedIsNotIntact() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = Spool.open(cfg)) {
            appendRows(spool, 0, 4);
            freezeOldest(spool, 4);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile());
             Statement s = c.createStatement()) {
            s.execute("DELETE FROM queue WHERE id = (SELECT min(id) FROM queue)"); // as a salvage losing a page would
        }
        try (Spool spool = Spool.open(cfg)) {
            FrozenBatch damaged = frozenHead(spool);
            assertFalse(damaged.isIntact());
            FrozenBatch refrozen = spool.refreeze(damaged).get(5, TimeUnit.SECONDS);
            assertTrue(frozenHead(spool).isIntact());
            assertEquals(refrozen.token(), frozenHead(spool).token());
        }
    }

    @Test
    void aVersion1FileMigratesWithItsQueueIntact() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        List<byte[]> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            rows.add(row(i));
        }
        OldSpoolFile.write(cfg.spoolFile(), 1, T.qualified(), rows, 0); // checks it wrote version 1
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(7, spool.queuedRows());
            SpoolBatch b = spool.reader().oldest(T, 100, Long.MAX_VALUE);
            assertEquals(7, b.size());
            assertArrayEquals(row(6), b.payloads().get(6));
            FrozenBatch frozen = spool.freeze(b).get(5, TimeUnit.SECONDS);
            assertEquals(7, spool.delivered(frozen).get(5, TimeUnit.SECONDS));
            appendRows(spool, 7, 8);
            assertEquals(8, spool.reader().oldest(T, 10, Long.MAX_VALUE).ids()[0], "ids continue, never reused");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM spool_meta WHERE key = 'instance'")) {
            assertEquals(SpoolSchema.CURRENT_VERSION, SpoolSchema.version(c));
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }
}

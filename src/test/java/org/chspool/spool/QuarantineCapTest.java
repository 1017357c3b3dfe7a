package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quarantine is bounded by CH_QUARANTINE_MAX_BYTES: a move that would exceed it is refused as a
 * whole, the rows stay queued in their frozen batch. Its totals per table are kept in the same
 * transactions as the moves, so status never scans it.
 */
class QuarantineCapTest {
    static final TableName T = TableName.ofStored("default.poison");

    @TempDir
    Path dir;

    /** 20 bytes each. */
    static byte[] row(int i) {
        return String.format("{\"i\":%02d,\"pad\":\"xxx\"}", i).getBytes(StandardCharsets.UTF_8);
    }

    static Spool spoolWithRows(Path dir, int n, String... env) throws Exception {
        Spool spool = Spool.open(TestConfigs.forDir(dir, env));
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(row(i));
        }
        spool.appendAll(T, rows).get(10, TimeUnit.SECONDS);
        return spool;
    }

    private static FrozenBatch freezeNext(Spool spool, long after, int rows) throws Exception {
        return spool.freeze(spool.reader().after(T, after, rows, Long.MAX_VALUE)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aQuarantineBeyondTheCapIsRefusedAndTheRowsStayQueuedInTheirFrozenBatch() throws Exception {
        try (Spool spool = spoolWithRows(dir, 10, "CH_QUARANTINE_MAX_BYTES", "100")) {
            FrozenBatch first = freezeNext(spool, Long.MIN_VALUE, 3);
            spool.quarantine(first, "ClickHouse code 27: bad", "rejected by ClickHouse").get(10, TimeUnit.SECONDS);
            FrozenBatch second = freezeNext(spool, first.lastId(), 3);

            QuarantineOutcome refused = spool.quarantine(second, "ClickHouse code 27: bad", "rejected by ClickHouse")
                    .get(10, TimeUnit.SECONDS);

            assertTrue(refused instanceof QuarantineOutcome.Refused r
                    && r.reason().startsWith("the quarantine is full: it holds 60 B and 3 more row(s) of 60 B would exceed"
                    + " CH_QUARANTINE_MAX_BYTES=100 B"), refused.toString());
            assertEquals(7, spool.queuedRows(), "60 B quarantined + 60 B would exceed 100 B: the 3 rows stay queued");
            assertEquals(60, spool.quarantinedBytes());
            assertEquals(3, spool.counters().quarantineRefusedRows());
            assertEquals(Map.of(T.qualified(), 3L), spool.reader().quarantineCounts());
            FrozenBatch still = spool.reader().frozenAfter(T, first.lastId()).orElseThrow();
            assertEquals(second.id(), still.id(), "the batch stays frozen, same identity");
            assertTrue(still.isIntact());

            QuarantineOutcome prefix = spool.quarantinePrefix(second, 2, "ClickHouse code 27: bad", "older than 1d")
                    .get(10, TimeUnit.SECONDS);
            assertEquals(QuarantineOutcome.Moved.class, prefix.getClass(), "40 B more still fit: " + prefix);
            assertEquals(100, spool.quarantinedBytes());
        }
    }

    @Test
    void theTotalsFollowEveryMoveInAndOutAndSurviveAReopen() throws Exception {
        org.chspool.config.AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = spoolWithRows(dir, 6)) {
            FrozenBatch all = freezeNext(spool, Long.MIN_VALUE, 6);
            spool.quarantine(all, "ClickHouse code 27: bad", "rejected by ClickHouse").get(10, TimeUnit.SECONDS);
            assertEquals(2, spool.requeueQuarantined(null, new long[] {1, 2}).get(10, TimeUnit.SECONDS));
            assertEquals(80, spool.quarantinedBytes());
            assertEquals(4, spool.purgeQuarantined(T.qualified(), java.time.Instant.now().plusSeconds(1)).get(10,
                    TimeUnit.SECONDS));
        }
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(0, spool.quarantinedBytes());
            assertEquals(0, spool.quarantinedRows());
            assertEquals(Map.of(), spool.reader().quarantineCounts());
            assertEquals(2, spool.queuedRows());
        }
    }

    @Test
    void aSchema2FileGetsItsQuarantineTotalsWhenMigrated() throws Exception {
        org.chspool.config.AgentConfig cfg = TestConfigs.forDir(dir);
        java.nio.file.Files.createDirectories(dir);
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile())) {
            SpoolSchema.ensure(c, 2);
            try (Statement s = c.createStatement()) {
                for (int i = 0; i < 4; i++) {
                    s.execute("INSERT INTO quarantine (queue_id, tbl, payload, created_us, attempts, reason, quarantined_us)"
                            + " VALUES (" + i + ", '" + (i < 3 ? T.qualified() : "default.other") + "', x'"
                            + java.util.HexFormat.of().formatHex(row(i)) + "', 1, 1, 'poison', 1)");
                }
            }
        }
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(Map.of(T.qualified(), 3L, "default.other", 1L), spool.reader().quarantineCounts());
            assertEquals(80, spool.quarantinedBytes());
            assertEquals(4, spool.quarantinedRows());
        }
    }

    @Test
    void statusCountsComeFromPerTableTotalsNotFromAScanOfTheQuarantine() throws Exception {
        try (Spool spool = spoolWithRows(dir, 5)) {
            FrozenBatch all = freezeNext(spool, Long.MIN_VALUE, 5);
            spool.quarantine(all, "ClickHouse code 27: bad", "rejected by ClickHouse").get(10, TimeUnit.SECONDS);
            try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + spool.file());
                 Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
                s.execute("DELETE FROM quarantine"); // behind the agent's back: only a scan would notice
            }

            assertEquals(Map.of(T.qualified(), 5L), spool.reader().quarantineCounts());
        }
    }
}

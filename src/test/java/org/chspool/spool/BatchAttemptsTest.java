package org.chspool.spool;

import static org.chspool.spool.SpoolTest.T;
import static org.chspool.spool.SpoolTest.row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed attempts of a frozen batch are counted on its record (schema 8), not on each row: one small
 * write per failure whatever the batch's size, while every row still reads with its full count — through
 * splits, remainders, the quarantine, a migration from schema 7, and a status read of an older file.
 */
class BatchAttemptsTest {
    private static final String FIRST = "ClickHouse code 252: too many parts (RETRYABLE)";
    private static final String SECOND = "connection refused (RETRYABLE, no answer)";

    @TempDir
    Path dir;

    private static FrozenBatch freezeOldest(Spool spool, int rows) throws Exception {
        return spool.freeze(spool.reader().oldest(T, rows, Long.MAX_VALUE)).get(5, TimeUnit.SECONDS);
    }

    private static int fail(Spool spool, FrozenBatch b, String error) throws Exception {
        return spool.recordFailure(b.id(), error, Instant.now()).get(5, TimeUnit.SECONDS);
    }

    private static int[] attemptsAfter(Spool spool, long cursor) throws Exception {
        return spool.reader().frozenAfter(T, cursor).orElseThrow().rows().attempts();
    }

    private static int[] times(int n, int value) {
        int[] a = new int[n];
        Arrays.fill(a, value);
        return a;
    }

    @Test
    void aFailedAttemptOfALargeBatchWritesOneRecordAndEveryRowReadsWithIt() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            List<byte[]> rows = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                rows.add(row(i));
            }
            spool.appendAll(T, rows).get(10, TimeUnit.SECONDS);
            FrozenBatch b = freezeOldest(spool, 5000);
            assertEquals(1, fail(spool, b, FIRST), "one record written, not 5,000 rows");
            assertEquals(1, fail(spool, b, SECOND));
            assertArrayEquals(times(5000, 2), attemptsAfter(spool, Long.MIN_VALUE));
            TableBacklog head = spool.reader().backlog().get(0);
            assertEquals(2, head.headAttempts());
            assertEquals(SECOND, head.headLastError());
        }
    }

    @Test
    void halvesAndRemaindersGoOnCountingTheAttemptsOfTheBatchTheyReplace() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            spool.appendAll(T, List.of(row(0), row(1), row(2), row(3), row(4), row(5))).get(5, TimeUnit.SECONDS);
            FrozenBatch b = freezeOldest(spool, 6);
            fail(spool, b, FIRST);
            fail(spool, b, SECOND);
            List<FrozenBatch> halves = spool.split(b, 3).get(5, TimeUnit.SECONDS);
            assertArrayEquals(times(3, 2), attemptsAfter(spool, Long.MIN_VALUE));
            assertArrayEquals(times(3, 2), attemptsAfter(spool, halves.get(0).lastId()));

            FrozenBatch rest = spool.dropDuplicates(halves.get(0), new int[] {1}).get(5, TimeUnit.SECONDS).rest()
                    .orElseThrow();
            fail(spool, rest, SECOND);
            assertArrayEquals(times(2, 3), attemptsAfter(spool, Long.MIN_VALUE), "the remainder counts on");

            FrozenBatch refrozen = spool.refreeze(rest).get(5, TimeUnit.SECONDS);
            assertArrayEquals(times(2, 3), attemptsAfter(spool, Long.MIN_VALUE));

            QuarantineOutcome.Moved moved = (QuarantineOutcome.Moved) spool.quarantinePrefix(refrozen, 1, "bad row",
                    "rejected by ClickHouse").get(5, TimeUnit.SECONDS);
            assertArrayEquals(times(1, 3), attemptsAfter(spool, Long.MIN_VALUE));
            QuarantinedRow q = spool.reader().quarantined(T.qualified(), 10).get(0);
            assertEquals(4, q.attempts(), "3 failed attempts before, and the one that quarantined it");
            assertEquals(FIRST, q.firstError(), "the batch's first error is the row's");
            assertEquals("bad row", q.lastError());
            assertEquals(1, moved.rest().orElseThrow().size());
        }
    }

    @Test
    void rowsThatFailedBeforeSchema8KeepTheirCountAndAddTheirBatchs() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        List<byte[]> rows = List.of(row(0), row(1), row(2), row(3));
        OldSpoolFile.write(cfg.spoolFile(), 7, T.qualified(), rows, 2); // rows 0 and 1: 3 attempts each
        try (Spool spool = Spool.open(cfg)) {
            FrozenBatch b = freezeOldest(spool, 4);
            fail(spool, b, SECOND);
            assertArrayEquals(new int[] {4, 4, 1, 1}, attemptsAfter(spool, Long.MIN_VALUE));
            TableBacklog head = spool.reader().backlog().get(0);
            assertEquals(4, head.headAttempts());
            assertEquals(SECOND, head.headLastError());
            spool.quarantine(spool.reader().frozenAfter(T, Long.MIN_VALUE).orElseThrow(), "bad", "rejected")
                    .get(5, TimeUnit.SECONDS);
            List<QuarantinedRow> q = spool.reader().quarantined(T.qualified(), 10);
            assertEquals(List.of(5, 5, 2, 2), q.stream().map(QuarantinedRow::attempts).toList());
            assertEquals("ClickHouse unreachable: Connection refused", q.get(0).firstError(), "its own, older error");
            assertEquals(SECOND, q.get(2).firstError());
        }
    }

    @Test
    void aStatusReadOfASchema7FileCountsTheRowsOwnAttempts() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        OldSpoolFile.write(cfg.spoolFile(), 7, T.qualified(), List.of(row(0), row(1)), 1);
        try (Connection c = SqliteConnections.readOnly(cfg.spoolFile(), 1000);
             SpoolReader reader = new SpoolReader(c)) {
            TableBacklog head = reader.backlog().get(0);
            assertEquals(3, head.headAttempts());
            assertEquals("ClickHouse unreachable: Connection refused", head.headLastError());
        }
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT max(version) FROM schema_version")) {
            rs.next();
            assertEquals(7, rs.getInt(1), "a status read never migrates the file");
        }
    }
}

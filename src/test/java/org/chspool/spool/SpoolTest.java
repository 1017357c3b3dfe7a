package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    static final TableName T = TableName.ofStored("default.events");

    static byte[] row(int i) {
        return ("{\"seq\":" + i + ",\"msg\":\"hello\"}").getBytes(StandardCharsets.UTF_8);
    }

    static Rejection rejectionOf(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(Rejection.class, e.getCause());
    }

    @Test
    void acknowledgedRowsAreReadBackInOrderAfterReopen() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = Spool.open(cfg)) {
            for (int i = 0; i < 100; i++) {
                assertEquals(1, spool.append(T, row(i)).get(5, TimeUnit.SECONDS));
            }
        }
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(100, spool.queuedRows());
            SpoolBatch b = spool.reader().oldest(T, 1000, Long.MAX_VALUE);
            assertEquals(100, b.size());
            for (int i = 0; i < 100; i++) {
                assertArrayEquals(row(i), b.payloads().get(i));
            }
        }
    }

    /** Appends {@code count} rows keeping {@code window} in flight, resending rows refused as busy. */
    static void appendPipelined(Spool spool, int base, int count, int window) throws Exception {
        java.util.ArrayDeque<CompletableFuture<Integer>> inFlight = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<Integer> seqs = new java.util.ArrayDeque<>();
        int next = 0;
        while (next < count || !inFlight.isEmpty()) {
            while (next < count && inFlight.size() < window) {
                inFlight.add(spool.append(T, row(base + next)));
                seqs.add(base + next);
                next++;
            }
            CompletableFuture<Integer> f = inFlight.poll();
            int seq = seqs.poll();
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                Rejection r = assertInstanceOf(Rejection.class, e.getCause());
                assertEquals(RejectReason.BUSY, r.reason());
                Thread.sleep(r.retryAfterMs()); // as a client refused as busy is told to (retry_after_ms)
                inFlight.addFirst(spool.append(T, row(seq)));
                seqs.addFirst(seq);
            }
        }
    }

    @Test
    void groupCommitPutsManyConcurrentRowsInFewTransactions() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            int threads = 8;
            int perThread = 5000;
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Void>> producers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                producers.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.await();
                        appendPipelined(spool, base, perThread, 64);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, r -> new Thread(r).start()));
            }
            start.countDown();
            for (CompletableFuture<Void> p : producers) {
                p.get(60, TimeUnit.SECONDS);
            }
            assertEquals(threads * perThread, spool.queuedRows());
            long commits = spool.counters().commits();
            assertTrue(commits * 10 < threads * perThread,
                    "expected far fewer transactions than rows, got " + commits + " for " + threads * perThread);
        }
    }

    @Test
    void putTimeoutIsHonouredWhileTheWriterIsStalledAndBusyRowsAreNeverWritten() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir, "CH_PUT_TIMEOUT_MS", "50");
        try (Spool spool = Spool.open(cfg);
             Connection blocker = SqliteConnections.writer(cfg.spoolFile(), cfg.sync());
             Statement s = blocker.createStatement()) {
            s.execute("BEGIN IMMEDIATE"); // holds the write lock: the writer cannot begin its transaction
            long t0 = System.nanoTime();
            Rejection r = rejectionOf(spool.append(T, row(1)));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(RejectReason.BUSY, r.reason());
            assertTrue(r.retryAfterMs() > 0);
            assertTrue(waitedMs < 2_000, "waited " + waitedMs + " ms");
            s.execute("ROLLBACK");
            assertEquals(1, spool.append(T, row(2)).get(10, TimeUnit.SECONDS));
            SpoolBatch b = spool.reader().oldest(T, 10, Long.MAX_VALUE);
            assertEquals(1, b.size(), "the busy row must not have been written");
            assertArrayEquals(row(2), b.payloads().get(0));
            assertEquals(1L, spool.counters().rejectedRows().get(RejectReason.BUSY));
        }
    }

    @Test
    void overTheSizeCapRowsGetSpoolFullWithTheNumbers() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_SPOOL_MAX_BYTES", "1MiB"))) {
            byte[] big = ("{\"pad\":\"" + "x".repeat(100_000) + "\"}").getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 10; i++) {
                spool.append(T, big).get(5, TimeUnit.SECONDS);
            }
            Rejection r = rejectionOf(spool.append(T, big));
            assertEquals(RejectReason.SPOOL_FULL, r.reason());
            assertTrue(r.getMessage().contains("1.0 MiB"), r.getMessage());
            assertEquals(10, spool.queuedRows());
        }
    }

    @Test
    void diskFullGivesIoErrorKeepsAcknowledgedRowsAndRecovers() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            spool.append(T, row(1)).get(5, TimeUnit.SECONDS);
            spool.limitPagesForTest(1).get(5, TimeUnit.SECONDS); // clamps to the current size
            byte[] big = ("{\"pad\":\"" + "y".repeat(50_000) + "\"}").getBytes(StandardCharsets.UTF_8);
            Rejection r = rejectionOf(spool.append(T, big));
            assertEquals(RejectReason.IO_ERROR, r.reason());
            assertTrue(r.getMessage().contains("disk full"), r.getMessage());
            assertEquals(1, spool.reader().oldest(T, 10, Long.MAX_VALUE).size());
            spool.limitPagesForTest(1_000_000).get(5, TimeUnit.SECONDS); // space returns
            assertEquals(1, spool.append(T, big).get(5, TimeUnit.SECONDS));
            assertEquals(2, spool.reader().oldest(T, 10, Long.MAX_VALUE).size());
        }
    }

    @Test
    void invalidTableNamesAreRejectedWithAClearReason() {
        Set<String> allowed = Set.of("default", "prod");
        for (String bad : List.of("t; DROP TABLE x", "a.b.c", "", "x".repeat(300), "1abc", "db.", ".t", "t-1", "tä")) {
            Rejection r = assertThrows(Rejection.class, () -> TableName.parse(bad, "default", allowed), bad);
            assertEquals(RejectReason.BAD_TABLE, r.reason());
        }
        Rejection other = assertThrows(Rejection.class, () -> TableName.parse("staging.t", "default", allowed));
        assertTrue(other.getMessage().contains("not allowed"), other.getMessage());
    }

    @Test
    void tableNamesWithoutDatabaseGoToTheDefault() throws Exception {
        assertEquals("prod.trades", TableName.parse("trades", "prod", Set.of("prod")).qualified());
        assertEquals("prod.trades", TableName.parse("prod.trades", "default", Set.of("prod")).qualified());
    }

    @Test
    void deleteRemovesExactlyTheDeliveredBatch() throws Exception {
        TableName other = TableName.ofStored("default.other");
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            for (int i = 0; i < 10; i++) {
                spool.append(T, row(i)).get();
                spool.append(other, row(100 + i)).get();
            }
            SpoolBatch first = spool.reader().oldest(T, 4, Long.MAX_VALUE);
            assertEquals(4, spool.delete(first).get());
            assertEquals(16, spool.queuedRows());
            SpoolBatch rest = spool.reader().oldest(T, 100, Long.MAX_VALUE);
            assertEquals(6, rest.size());
            assertArrayEquals(row(4), rest.payloads().get(0));
            assertEquals(10, spool.reader().oldest(other, 100, Long.MAX_VALUE).size());
            // a slice from the middle (bisection) deletes just its rows
            assertEquals(2, spool.delete(rest.slice(2, 4)).get());
            SpoolBatch after = spool.reader().oldest(T, 100, Long.MAX_VALUE);
            assertEquals(List.of(4, 5, 8, 9), after.payloads().stream()
                    .map(p -> Integer.parseInt(new String(p, StandardCharsets.UTF_8).replaceAll("\\D+", " ").trim().split(" ")[0]))
                    .toList());
        }
    }

    @Test
    void batchesAreBoundedByRowsAndBytesButAlwaysMoveOneRow() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            for (int i = 0; i < 20; i++) {
                spool.append(T, row(i)).get();
            }
            assertEquals(5, spool.reader().oldest(T, 5, Long.MAX_VALUE).size());
            int one = row(0).length;
            assertEquals(3, spool.reader().oldest(T, 100, one * 3L).size());
            assertEquals(1, spool.reader().oldest(T, 100, 1).size());
        }
    }

    @Test
    void failuresOfAFrozenBatchCountForItsRowsAndShowInTheBacklog() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            spool.append(T, row(1)).get();
            FrozenBatch b = spool.freeze(spool.reader().oldest(T, 10, Long.MAX_VALUE)).get();
            spool.recordFailure(b.id(), "retryable: Code: 60. Table default.events doesn't exist", java.time.Instant.now()).get();
            spool.recordFailure(b.id(), "retryable: connection refused", java.time.Instant.now()).get();
            TableBacklog tb = spool.reader().backlog().get(0);
            assertEquals("default.events", tb.table());
            assertEquals(1, tb.rows());
            assertEquals(2, tb.headAttempts());
            assertEquals("retryable: connection refused", tb.headLastError());
            assertEquals(2, spool.reader().frozenAfter(T, Long.MIN_VALUE).orElseThrow().rows().attempts()[0]);
        }
    }

    @Test
    void quarantineMovesRowsOutOfTheQueueWithTheirError() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            for (int i = 0; i < 3; i++) {
                spool.append(T, row(i)).get();
            }
            SpoolBatch b = spool.reader().oldest(T, 10, Long.MAX_VALUE);
            assertEquals(new QuarantineOutcome.Moved(1, java.util.Optional.empty()),
                    spool.quarantine(b.slice(1, 2), "permanent: Code: 27. Cannot parse", "poison").get());
            assertEquals(2, spool.queuedRows());
            assertEquals(java.util.Map.of("default.events", 1L), spool.reader().quarantineCounts());
        }
    }

    @Test
    void quarantinedRowsCanBeListedRequeuedAndPurgedExplicitly() throws Exception {
        TableName other = TableName.ofStored("default.other");
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            spool.appendAll(T, List.of(row(1), row(2))).get();
            spool.append(other, row(3)).get();
            spool.quarantine(spool.reader().oldest(T, 10, Long.MAX_VALUE), "permanent: bad", "poison").get();
            spool.quarantine(spool.reader().oldest(other, 10, Long.MAX_VALUE), "permanent: bad", "poison").get();
            List<QuarantinedRow> q = spool.reader().quarantined("default.events", 10);
            assertEquals(2, q.size());
            assertEquals("{\"seq\":1,\"msg\":\"hello\"}", q.get(0).payload());
            assertEquals("poison", q.get(0).reason());
            assertEquals(0, spool.requeueQuarantined(null, null).get(), "an empty selection matches nothing");
            assertEquals(1, spool.requeueQuarantined(null, new long[] {q.get(1).id()}).get());
            assertEquals(1, spool.queuedRows());
            assertArrayEquals(row(2), spool.reader().oldest(T, 10, Long.MAX_VALUE).payloads().get(0));
            assertEquals(0, spool.purgeQuarantined("default.events", java.time.Instant.now().minusSeconds(3600)).get(),
                    "nothing quarantined an hour ago");
            assertEquals(1, spool.purgeQuarantined("default.events", java.time.Instant.now().plusSeconds(1)).get());
            assertEquals(java.util.Map.of("default.other", 1L), spool.reader().quarantineCounts());
        }
    }

    @Test
    void idsAreNeverReusedEvenAfterTheQueueWasEmptied() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        long lastId;
        try (Spool spool = Spool.open(cfg)) {
            spool.append(T, row(1)).get();
            SpoolBatch b = spool.reader().oldest(T, 10, Long.MAX_VALUE);
            lastId = b.ids()[0];
            spool.delete(b).get();
        }
        try (Spool spool = Spool.open(cfg)) {
            spool.append(T, row(2)).get();
            assertTrue(spool.reader().oldest(T, 10, Long.MAX_VALUE).ids()[0] > lastId);
        }
    }

    @Test
    void closedSpoolAnswersShuttingDown() throws Exception {
        Spool spool = Spool.open(TestConfigs.forDir(dir));
        spool.close();
        assertEquals(RejectReason.SHUTTING_DOWN, rejectionOf(spool.append(T, row(1))).reason());
    }

    @Test
    void aNewerSchemaVersionIsRefusedWithAClearMessage() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        Spool.open(cfg).close();
        try (Connection c = SqliteConnections.writer(cfg.spoolFile(), cfg.sync()); Statement s = c.createStatement()) {
            s.execute("UPDATE schema_version SET version = 99");
        }
        SpoolFileException e = assertThrows(SpoolFileException.class, () -> Spool.open(cfg));
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
    }
}

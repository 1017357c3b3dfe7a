package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operator actions on a large quarantine run in chunks of at most one group commit's rows
 * ({@code CH_COMMIT_MAX_ROWS}), each its own writer transaction, so puts are committed between chunks
 * instead of waiting for the whole move.
 */
class QuarantineRequeueTest {
    static final TableName T = TableName.ofStored("default.events");
    static final int ROWS = 250;
    static final int CHUNK = 100;

    @TempDir
    Path dir;

    static byte[] row(int i) {
        return ("{\"seq\":" + i + "}").getBytes(StandardCharsets.UTF_8);
    }

    private Spool spoolWithQuarantined() throws Exception {
        Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_COMMIT_MAX_ROWS", String.valueOf(CHUNK)));
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(row(i));
        }
        spool.appendAll(T, rows).get(10, TimeUnit.SECONDS);
        spool.quarantine(spool.reader().oldest(T, ROWS, Long.MAX_VALUE), "permanent: bad", "poison").get(10, TimeUnit.SECONDS);
        assertEquals(0, spool.queuedRows());
        return spool;
    }

    @Test
    void aRequeueMovesTheRowsInChunksOfOneCommitEach() throws Exception {
        try (Spool spool = spoolWithQuarantined()) {
            long commits = spool.counters().commits();

            assertEquals(ROWS, spool.requeueQuarantined("default.events", null).get(10, TimeUnit.SECONDS));

            assertEquals(3, spool.counters().commits() - commits, "250 rows in chunks of 100");
            assertEquals(ROWS, spool.queuedRows());
            assertEquals(java.util.Map.of(), spool.reader().quarantineCounts());
            SpoolBatch back = spool.reader().oldest(T, ROWS, Long.MAX_VALUE);
            for (int i = 0; i < ROWS; i++) {
                assertEquals(new String(row(i), StandardCharsets.UTF_8), new String(back.payloads().get(i), StandardCharsets.UTF_8),
                        "in their order");
            }
        }
    }

    @Test
    void aPutWaitsForOneRequeueChunkNotTheWholeRequeue() throws Exception {
        try (Spool spool = spoolWithQuarantined()) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Object> stall = spool.submitForTest(new WriteOp<>() {
                @Override
                Object apply(Connection c, WriteContext ctx) throws java.sql.SQLException {
                    inside.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                }
            });
            assertTrue(inside.await(10, TimeUnit.SECONDS)); // the writer's transaction holds only the stall
            CompletableFuture<Integer> requeue = spool.requeueQuarantined("default.events", null);
            CompletableFuture<Long> queuedWhenThePutCommitted = spool.append(T, row(-1)).thenApply(n -> spool.queuedRows());
            release.countDown();

            long queued = queuedWhenThePutCommitted.get(10, TimeUnit.SECONDS);
            assertEquals(ROWS, requeue.get(10, TimeUnit.SECONDS));
            stall.get(10, TimeUnit.SECONDS);
            assertTrue(queued <= 1 + CHUNK, "the put committed with the first chunk at most, not after all "
                    + ROWS + " rows: " + queued + " queued then");
        }
    }

    @Test
    void aPurgeRemovesTheRowsInChunksOfOneCommitEach() throws Exception {
        try (Spool spool = spoolWithQuarantined()) {
            long commits = spool.counters().commits();

            assertEquals(ROWS, spool.purgeQuarantined("default.events", Instant.now().plusSeconds(1)).get(10, TimeUnit.SECONDS));

            assertEquals(3, spool.counters().commits() - commits, "250 rows in chunks of 100");
            assertEquals(java.util.Map.of(), spool.reader().quarantineCounts());
        }
    }
}

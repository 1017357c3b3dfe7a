package org.chspool.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.chspool.clickhouse.ClickHouseFailure;
import org.chspool.clickhouse.FakeServerSink;
import org.chspool.clickhouse.ForwardingSink;
import org.chspool.clickhouse.InsertForm;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerCapabilities;
import org.chspool.clickhouse.ServerPool;
import org.chspool.clickhouse.SingleServerSink;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.ManualClock;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a test that schedules the replayer by hand exercises: a pass ({@link Replayer#runOnce()}) on the
 * test's thread only hands due tables to the sender threads, as the scheduler thread does in the agent;
 * {@link Replayer#awaitIdle} returns once they are done. Nothing is delivered on the caller's thread.
 */
@Timeout(60)
class SteppedReplayerTest {
    private static final TableName T = TableName.ofStored("default.events");

    @TempDir
    Path dir;

    /** The fake server, holding each insert until released and noting the thread that sent it. */
    private static final class HeldInserts extends ForwardingSink<FakeServerSink> {
        final CountDownLatch arrived = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<String> senderThread = new AtomicReference<>();

        HeldInserts() {
            super(new FakeServerSink("http://ch:8123", "24.8.1"));
        }

        @Override
        public void insert(String database, String table, InsertForm form, List<byte[]> payloads, int skip,
                           String insertToken) throws ClickHouseFailure {
            senderThread.set(Thread.currentThread().getName());
            arrived.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.insert(database, table, form, payloads, skip, insertToken);
        }
    }

    private static Replayer replayer(Spool spool, SingleServerSink sink, ManualClock clock) {
        ServerPool pool = new ServerPool(List.of("http://ch:8123"), LoadBalancing.IN_ORDER, clock);
        return new Replayer(spool, ReplaySettings.forTests(), List.of(new PooledSink(pool, s -> sink)), clock, () -> 0.5,
                new DedupeKeys(Map.of()));
    }

    @Test
    void aPassHandsTheDueTableToASenderThreadAndAwaitIdleReturnsOnceItIsDelivered() throws Exception {
        HeldInserts sink = new HeldInserts();
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_DEDUPE", ""));
             Replayer replayer = replayer(spool, sink, new ManualClock())) {
            replayer.startSenders();
            spool.append(T, "{\"i\":1}".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);

            replayer.runOnce(); // returns while the insert is held: it was handed off, not made on this thread
            assertTrue(sink.arrived.await(10, TimeUnit.SECONDS), "the insert reached the server");
            assertFalse(replayer.awaitIdle(Duration.ofMillis(50)), "not idle while the insert is in flight");
            assertEquals(1, spool.queuedRows());

            sink.release.countDown();
            assertTrue(replayer.awaitIdle(Duration.ofSeconds(10)), "idle once the insert is answered");
            assertEquals(0, spool.queuedRows(), "delivered and deleted by the time the replayer is idle");
            assertEquals("replay-sender-0", sink.senderThread.get());
        }
    }

    @Test
    void aPassBeforeTheSendersAreStartedIsRefusedRatherThanLeftUndelivered() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_DEDUPE", ""));
             Replayer replayer = replayer(spool, new HeldInserts(), new ManualClock())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, replayer::runOnce);
            assertTrue(e.getMessage().contains("not started"), e.getMessage());
        }
    }
}

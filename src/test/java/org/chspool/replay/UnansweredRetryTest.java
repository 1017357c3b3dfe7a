package org.chspool.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.clickhouse.FakeServerSink;
import org.chspool.clickhouse.LoadBalancing;
import org.chspool.clickhouse.PooledSink;
import org.chspool.clickhouse.ServerPool;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.ManualClock;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After an attempt no server answered, a retry asks a server (the capability probe) before it reads and
 * sends the batch again: an outage costs a refused connection per retry, not a re-read of the batch.
 * Each such retry is still a counted attempt, any answer (even an error) sends the batch, and what is
 * finally sent is the same block as the first attempt.
 */
class UnansweredRetryTest {
    private static final TableName T = TableName.ofStored("default.ev");

    @TempDir
    Path dir;

    @Test
    void whileNoServerAnswersRetriesProbeWithoutResendingTheBatchAndStillCountAttempts() throws Exception {
        FakeServerSink server = new FakeServerSink("http://ch:8123", "24.8.1");
        ManualClock clock = new ManualClock();
        ServerPool pool = new ServerPool(List.of("http://ch:8123"), LoadBalancing.IN_ORDER, clock);
        ReplaySettings settings = ReplaySettings.forTests().withMaxRows(1000).withMaxBytes(1 << 24);
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_DEDUPE", ""));
             BatchDelivery delivery = new BatchDelivery(spool, new PooledSink(pool, s -> server), settings,
                     Backoff.of(settings, () -> 0.5), clock, new ReplayCounters(), new DedupeKeys(Map.of()))) {
            TableState st = new TableState(T);
            List<byte[]> rows = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                rows.add(("{\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            spool.appendAll(T, rows).get(10, TimeUnit.SECONDS);

            server.failure = FakeServerSink.noAnswer();
            assertFalse(delivery.deliver(st, 0));
            assertEquals(List.of("insert default.ev"), sent(server));
            for (int i = 0; i < 5; i++) {
                clock.advance(Duration.ofMinutes(1)); // past the server's pause
                assertFalse(delivery.deliver(st, 0));
            }
            assertEquals(List.of("insert default.ev", "probe", "probe", "probe", "probe", "probe"), sent(server),
                    "while nothing answers, a retry is a probe, not the batch again");
            assertEquals(6, headAttempts(spool), "each retry is a failed attempt of the batch");
            assertEquals(6, st.failedAttempts.sum());

            server.failure = FakeServerSink.http503();
            clock.advance(Duration.ofMinutes(1));
            assertFalse(delivery.deliver(st, 0));
            assertEquals(List.of("probe", "insert default.ev"), tail(sent(server), 2),
                    "an answer, even an error, and the batch is sent: the insert judges it");
            clock.advance(Duration.ofMinutes(1));
            assertFalse(delivery.deliver(st, 0));
            assertEquals("insert default.ev", tail(sent(server), 1).get(0), "after an answer, no probe first");
            assertEquals(8, headAttempts(spool));

            server.failure = FakeServerSink.noAnswer();
            clock.advance(Duration.ofMinutes(1));
            assertFalse(delivery.deliver(st, 0));
            server.failure = null;
            clock.advance(Duration.ofMinutes(1));
            assertTrue(delivery.deliver(st, 0));
            assertEquals(List.of("insert default.ev", "probe", "insert default.ev"), tail(sent(server), 3));
            assertEquals(0, spool.queuedRows());

            List<List<byte[]>> inserts = server.inserts();
            assertEquals(5, inserts.size(), "the first, two after the 503s, the one no answer cut, the last");
            for (List<byte[]> sent : inserts) {
                assertEquals(1000, sent.size());
                for (int i = 0; i < sent.size(); i++) {
                    assertArrayEquals(inserts.get(0).get(i), sent.get(i), "every attempt is the same block");
                }
            }
            assertEquals(1, server.tokens().stream().distinct().count(), "with the same token");
        }
    }

    /** Probes and inserts, in order; selects (the table's engine lookup before an insert) left out. */
    private static List<String> sent(FakeServerSink server) {
        return server.requests().stream().filter(r -> !r.equals("select")).toList();
    }

    private static int headAttempts(Spool spool) throws Exception {
        return spool.reader().backlog().get(0).headAttempts();
    }

    private static List<String> tail(List<String> l, int n) {
        return l.subList(l.size() - n, l.size());
    }
}

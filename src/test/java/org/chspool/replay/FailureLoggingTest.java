package org.chspool.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
 * What a failing table writes to the log (slf4j-simple's output on stderr, captured): the first failures
 * of an episode, then every 100th, and a new episode after a success from its first failure again.
 */
class FailureLoggingTest {
    private static final TableName T = TableName.ofStored("default.flaky");

    @TempDir
    Path dir;

    @Test
    void aNewFailureEpisodeAfterASuccessIsLoggedFromItsFirstFailure() throws Exception {
        FakeServerSink server = new FakeServerSink("http://ch:8123", "24.8.1");
        ManualClock clock = new ManualClock();
        ServerPool pool = new ServerPool(List.of("http://ch:8123"), LoadBalancing.IN_ORDER, clock);
        ReplaySettings settings = ReplaySettings.forTests().withDueRows(1).withMaxRows(100).withMaxBytes(1 << 20)
                .withFlushInterval(Duration.ofSeconds(1)).withMaxAttempts(1_000_000).withMaxAge(Duration.ofDays(365));
        try (Spool spool = Spool.open(TestConfigs.forDir(dir, "CH_DEDUPE", ""));
             BatchDelivery delivery = new BatchDelivery(spool, new PooledSink(pool, s -> server), settings,
                     Backoff.of(settings, () -> 0.5), clock, new ReplayCounters(), new DedupeKeys(Map.of()))) {
            TableState st = new TableState(T);
            spool.append(T, "{\"id\":1}".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);

            server.failure = FakeServerSink.noAnswer();
            String firstEpisode = logOf(() -> attempt(delivery, st, clock, 150));
            assertEquals(11, count(firstEpisode), "failures 1-10 and 100 of the first episode:\n" + firstEpisode);

            server.failure = null;
            assertTrue(delivery.deliver(st, 0), "ClickHouse answers again: the row is delivered");
            spool.append(T, "{\"id\":2}".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);

            server.failure = FakeServerSink.noAnswer();
            String secondEpisode = logOf(() -> attempt(delivery, st, clock, 1));
            assertEquals(1, count(secondEpisode), "the first failure after a success is logged:\n" + secondEpisode);
            assertTrue(secondEpisode.contains("failure #1 in a row"), secondEpisode);
        }
    }

    private static void attempt(BatchDelivery delivery, TableState st, ManualClock clock, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            clock.advance(Duration.ofMinutes(1)); // past the server's pause, so each attempt reaches it
            assertEquals(false, delivery.deliver(st, 0));
        }
    }

    private static int count(String log) {
        return (int) log.lines().filter(l -> l.contains("table " + T + ": insert of")).count();
    }

    interface Action {
        void run() throws Exception;
    }

    /** What the action logged: slf4j-simple looks up System.err for every line. */
    private static String logOf(Action action) throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}

package org.chspool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.chspool.spool.TableName;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.RunningAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(ClickHouseServerExtension.class)
class QuarantineIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private ClickHouseEndpoint ch;
    private String db;
    private RunningAgent a;

    @BeforeEach
    void setUp(ClickHouseEndpoint ch) throws Exception {
        this.ch = ch;
        db = ch.createDatabase("q_" + Long.toHexString(System.nanoTime()));
        ch.exec("CREATE TABLE " + db + ".good (id UInt64, v Int64) ENGINE = MergeTree ORDER BY id");
        a = RunningAgent.start(ch, dir.resolve("spool"), db, Duration.ofSeconds(60), "CH_DEDUPE", "none",
                "CH_MAX_ATTEMPTS", "3", "CH_BACKOFF_INITIAL_MS", "20", "CH_BACKOFF_MAX_MS", "50");
    }

    @AfterEach
    void tearDown() throws Exception {
        a.close();
    }

    private void put(String table, int from, int to, String badValueAt) throws Exception {
        List<byte[]> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String v = badValueAt != null && badValueAt.contains("," + i + ",") ? "\"oops\"" : String.valueOf(i);
            rows.add(("{\"id\":" + i + ",\"v\":" + v + "}").getBytes(StandardCharsets.UTF_8));
        }
        a.agent.spool().appendAll(TableName.ofStored(db + "." + table), rows).get(10, TimeUnit.SECONDS);
    }

    private String spoolDir() {
        return a.config.spoolDir().toString();
    }

    @Test
    void threeBadRowsOfAThousandAreQuarantinedWithTheServerErrorAndTheRestDelivered() throws Exception {
        put("good", 0, 1000, ",17,500,999,");
        Eventually.await(WAIT, "queue empty", () -> a.agent.spool().queuedRows() == 0);
        assertEquals(997, ch.count(db + ".good"));
        CliRun list = CliRun.of("quarantine", "list", "--table", "good", "--spool-dir", spoolDir());
        assertEquals(0, list.exitCode(), list.toString());
        assertTrue(list.out().contains("{\"id\":17,\"v\":\"oops\"}"), list.toString());
        assertTrue(list.out().contains("rejected by ClickHouse"), list.toString());
        assertTrue(list.out().contains("code="), list.toString());
        CliRun status = CliRun.of("status", "--spool-dir", spoolDir());
        assertEquals(1, status.exitCode(), "quarantined rows make the verdict DEGRADED: " + status);
    }

    @Test
    void aDroppedTableQuarantinesAfterMaxAttemptsAndRetryDeliversOnceItIsBack() throws Exception {
        put("later", 0, 50, null);
        Eventually.await(WAIT, "rows quarantined after 3 attempts",
                () -> a.agent.spool().queuedRows() == 0 && a.agent.replayer().counters().quarantinedRows() == 50);
        CliRun keep = CliRun.of("quarantine", "purge", "--table", "later", "--older-than", "1h", "--spool-dir", spoolDir());
        assertEquals(0, keep.exitCode(), keep.toString());
        assertEquals("purged 0 row(s)", keep.out().strip(), "nothing is older than an hour");

        ch.exec("CREATE TABLE " + db + ".later (id UInt64, v Int64) ENGINE = MergeTree ORDER BY id");
        CliRun retry = CliRun.of("quarantine", "retry", "--table", "later", "--spool-dir", spoolDir());
        assertEquals(0, retry.exitCode(), retry.toString());
        assertEquals("requeued 50 row(s)", retry.out().strip());
        Eventually.await(WAIT, "delivered after retry", () -> ch.count(db + ".later") == 50);
        assertEquals(0, a.agent.spool().queuedRows());
    }

    @Test
    void purgeNeedsATableAndAnAgeAndSaysWhatItRemoved() throws Exception {
        put("gone", 0, 5, null);
        Eventually.await(WAIT, "quarantined", () -> a.agent.replayer().counters().quarantinedRows() == 5);
        CliRun missing = CliRun.of("quarantine", "purge", "--table", "gone", "--spool-dir", spoolDir());
        assertEquals(64, missing.exitCode(), "a usage error: " + missing);
        CliRun purge = CliRun.of("quarantine", "purge", "--table", "gone", "--older-than", "0s", "--spool-dir", spoolDir());
        assertEquals("purged 5 row(s)", purge.out().strip(), purge.toString());
        assertEquals(java.util.Map.of(), a.agent.spool().reader().quarantineCounts());
    }
}

package org.chspool.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.spool.Spool;
import org.chspool.spool.TableName;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(ClickHouseServerExtension.class)
class SigtermDrainIT {
    private static final int ROWS = 300_000;

    @TempDir
    Path dir;

    @Test
    void sigtermMidDrainLosesNothingAndRestartDeliversTheRestExactlyOnce(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("sigterm_" + Long.toHexString(System.nanoTime()));
        ch.exec("CREATE TABLE " + db + ".t (id UInt64, v UInt32) ENGINE = MergeTree ORDER BY id");
        Map<String, String> env = Map.of("CH_URL", ch.url(), "CH_USER", ch.user(), "CH_PASS", ch.password(),
                "CH_DB", db, "CH_SPOOL_DIR", dir.toString(), "CH_SOCKET", "none", "CH_LISTEN", "",
                "CH_ADMIN_LISTEN", "", "CH_HTTP_LISTEN", "", "CH_BATCH_MAX_ROWS", "2000");
        AgentConfig cfg = TestConfigs.forDir(dir, "CH_DB", db);
        try (Spool spool = Spool.open(cfg)) {
            TableName t = TableName.ofStored(db + ".t");
            List<byte[]> chunk = new ArrayList<>();
            for (int i = 0; i < ROWS; i++) {
                chunk.add(("{\"id\":" + i + ",\"v\":" + (i % 100) + "}").getBytes(StandardCharsets.UTF_8));
                if (chunk.size() == 10_000) {
                    spool.appendAll(t, chunk).get();
                    chunk = new ArrayList<>();
                }
            }
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                SpoolAgent.class.getName()).redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile());
        pb.environment().putAll(env);
        Process agent = pb.start();
        try {
            Eventually.await(Duration.ofSeconds(60), "delivery under way", () -> ch.count(db + ".t") > 0);
            agent.destroy(); // SIGTERM while the backlog is still draining
            assertTrue(agent.waitFor(60, TimeUnit.SECONDS), "agent did not stop after SIGTERM");
        } finally {
            agent.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("agent.log"));
        assertTrue(log.contains("stay in the spool for the next start"), log);
        long delivered = ch.count(db + ".t");
        try (SpoolAgent restarted = SpoolAgent.start(TestConfigs.forDir(dir, "CH_URL", ch.url(), "CH_USER", ch.user(),
                "CH_PASS", ch.password(), "CH_DB", db))) {
            assertEquals(ROWS, delivered + restarted.spool().queuedRows(), "every row is delivered or still spooled");
            Eventually.await(Duration.ofSeconds(60), "rest delivered", () -> restarted.spool().queuedRows() == 0);
        }
        assertEquals(ROWS, ch.count(db + ".t"));
        assertEquals(String.valueOf(ROWS) + "\n", ch.query("SELECT uniqExact(id) FROM " + db + ".t"));
    }
}

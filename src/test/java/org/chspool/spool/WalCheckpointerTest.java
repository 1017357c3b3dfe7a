package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.Eventually;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL is copied back into the spool file by the checkpointer thread, not inside the writer's commits
 * (whose own automatic checkpoint is only a backstop at 10,000 pages): after each burst of appends of
 * fewer pages than that, a checkpoint runs and every frame gets into the spool file.
 */
@Timeout(60)
class WalCheckpointerTest {
    private static final TableName T = TableName.ofStored("default.t");

    @TempDir
    Path dir;

    @Test
    void burstsOfAppendsAreCheckpointedByTheCheckpointerThread() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        byte[] row = ("{\"s\":\"" + "x".repeat(1000) + "\"}").getBytes(StandardCharsets.UTF_8);
        try (Spool spool = Spool.open(cfg)) {
            for (int round = 0; round < 8; round++) {
                List<byte[]> rows = new ArrayList<>();
                for (int i = 0; i < 5_000; i++) {
                    rows.add(row);
                }
                spool.appendAll(T, rows).get(30, TimeUnit.SECONDS); // 5 MB a round, 40 MB in all
                long before = spool.walCheckpoints();
                Eventually.await(Duration.ofSeconds(20), "a checkpoint after round " + round,
                        () -> spool.walCheckpoints() > before);
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile())) {
                Eventually.await(Duration.ofSeconds(20), "every frame of the WAL in the spool file", () -> {
                    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                        rs.next();
                        return rs.getLong(2) == rs.getLong(3);
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            assertEquals(40_000, spool.queuedRows());
        }
    }
}

package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spool on a real, small filesystem (a 32 MiB tmpfs; needs root, skipped otherwise with the reason):
 * a full disk refuses puts with a typed error, never acknowledges a row it could not commit, still lets
 * delivered rows be deleted, and accepts again once space is back, without reopening.
 */
class SpoolDiskFullTest {
    static final TableName T = TableName.ofStored("default.events");

    @TempDir
    Path tmp;
    Path mnt;

    @BeforeEach
    void mountSmallFilesystem() throws Exception {
        mnt = tmp.resolve("small");
        Files.createDirectories(mnt);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assumeTrue(p.waitFor() == 0, "SKIPPED: cannot mount a tmpfs (needs root): " + out);
    }

    @AfterEach
    void unmount() throws Exception {
        new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
    }

    static List<byte[]> rows(int batch, int n) {
        List<byte[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(("{\"b\":" + batch + ",\"i\":" + i + ",\"pad\":\"" + "p".repeat(100) + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        return rows;
    }

    @Test
    void fullDiskRefusesPutsKeepsAcknowledgedRowsAndAcceptsAgainAfterDeletes() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(mnt.resolve("spool"));
        long acked = 0;
        Rejection refusal = null;
        try (Spool spool = Spool.open(cfg)) {
            for (int b = 0; b < 10_000 && refusal == null; b++) {
                try {
                    acked += spool.appendAll(T, rows(b, 200)).get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    refusal = assertInstanceOf(Rejection.class, e.getCause());
                }
            }
            assertTrue(refusal != null, "32 MiB never filled up");
            assertTrue(refusal.getMessage().contains("disk"), refusal.getMessage());
            assertEquals(acked, spool.queuedRows(), "every acknowledged row is queued, no other");

            long half = acked / 2;
            while (acked > half) { // the replayer deletes delivered batches of CH_BATCH_SIZE rows
                SpoolBatch oldest = spool.reader().oldest(T, 1000, Long.MAX_VALUE);
                assertEquals(oldest.size(), spool.delete(oldest).get(10, TimeUnit.SECONDS), "deletes work on a full disk");
                acked -= oldest.size();
            }
            // At once: the deletes' commit makes the next put look at the disk again, however recent the last look.
            long again = spool.appendAll(T, rows(-1, 200)).get(10, TimeUnit.SECONDS);
            assertEquals(200, again, "puts succeed again once delivered rows were deleted");
            acked += again;
        }
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(acked, spool.queuedRows());
            assertEquals(acked, spool.reader().oldest(T, Integer.MAX_VALUE, Long.MAX_VALUE).size());
        }
        try (Connection c = SqliteConnections.readOnly(cfg.spoolFile(), 1000); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            rs.next();
            assertEquals("ok", rs.getString(1));
        }
    }
}

package org.chspool.spool;

import static org.chspool.spool.SpoolTest.T;
import static org.chspool.spool.SpoolTest.rejectionOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imported appends: each row keeps its own created time, and the import progress moves in the same
 * transaction as the rows, only from the progress the request continues from (schema 5).
 */
class ImportProgressTest {
    static final String SRC = "/old/dolphin/writer.sqlite3@2049:77";

    @TempDir
    Path dir;

    static List<byte[]> rows(int from, int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.add(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void importedRowsKeepTheirCreatedTimesAndTheProgressIsCommittedWithThem() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(2, spool.appendAll(T, rows(0, 2), new long[] {111, 222}, new ImportMark(SRC, "events", 0, 5))
                    .get(5, TimeUnit.SECONDS));
            assertEquals(Map.of("events", 5L), spool.importProgress(SRC).get(5, TimeUnit.SECONDS));
            assertEquals(Map.of(), spool.importProgress("other file").get(5, TimeUnit.SECONDS));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile()); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT group_concat(created_us) FROM (SELECT created_us FROM queue ORDER BY id)")) {
                rs.next();
                assertEquals("111,222", rs.getString(1));
            }
            try (ResultSet rs = s.executeQuery("SELECT last_id, rows FROM import_progress")) {
                rs.next();
                assertEquals(5, rs.getLong(1));
                assertEquals(2, rs.getLong(2));
            }
        }
    }

    @Test
    void aRequestFromStaleProgressIsRefusedAndWritesNothing() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            spool.appendAll(T, rows(0, 3), null, new ImportMark(SRC, "events", 0, 3)).get(5, TimeUnit.SECONDS);
            Rejection r = rejectionOf(spool.appendAll(T, rows(0, 3), null, new ImportMark(SRC, "events", 0, 3)));
            assertEquals(RejectReason.BAD_REQUEST, r.reason());
            assertTrue(r.getMessage().contains("is at id 3, not 0"), r.getMessage());
            assertEquals(3, spool.queuedRows(), "the repeat spooled nothing");
            spool.appendAll(T, rows(3, 1), null, new ImportMark(SRC, "other_table", 0, 4)).get(5, TimeUnit.SECONDS);
            assertEquals(Map.of("events", 3L, "other_table", 4L), spool.importProgress(SRC).get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void requestsInOneGroupCommitChainAndARacingDuplicateLoses() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            List<CompletableFuture<Integer>> fs = new ArrayList<>();
            for (int k = 0; k < 20; k++) {
                fs.add(spool.appendAll(T, rows(k * 10, 10), null, new ImportMark(SRC, "events", k * 10L, k * 10L + 10)));
                fs.add(spool.appendAll(T, rows(k * 10, 10), null, new ImportMark(SRC, "events", k * 10L, k * 10L + 10)));
            }
            int ok = 0;
            int refused = 0;
            for (CompletableFuture<Integer> f : fs) {
                try {
                    ok += f.get(5, TimeUnit.SECONDS) > 0 ? 1 : 0;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertEquals(RejectReason.BAD_REQUEST, ((Rejection) e.getCause()).reason());
                    refused++;
                }
            }
            assertEquals(20, ok);
            assertEquals(20, refused);
            assertEquals(200, spool.queuedRows(), "each range exactly once");
            assertEquals(Map.of("events", 200L), spool.importProgress(SRC).get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void aVersion4FileIsMigratedToTheCurrentVersionKeepingItsQueue() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        OldSpoolFile.write(cfg.spoolFile(), 4, "default.events", List.of("{}".getBytes(StandardCharsets.UTF_8)), 0);
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(1, spool.queuedRows());
            spool.appendAll(T, rows(0, 1), null, new ImportMark(SRC, "events", 0, 1)).get(5, TimeUnit.SECONDS);
            assertEquals(2, spool.queuedRows());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile())) {
            assertEquals(SpoolSchema.CURRENT_VERSION, SpoolSchema.version(c));
        }
    }
}

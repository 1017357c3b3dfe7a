package org.chspool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.chspool.spool.SqliteConnections;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.Eventually;
import org.chspool.testing.RunningAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spoolctl import-writer} on spool files written by the predecessor's own code
 * ({@code src/test/resources/predecessor/ch_writer.py}, run by {@code make_spool.py} in a python3 child
 * with ClickHouse unreachable for it), into a real agent and a real ClickHouse: a writer killed with its
 * rows only in the WAL, with broken payloads and a forbidden database; and a 200,000-row file whose import
 * is killed with {@code kill -9} halfway and rerun. Every good row reaches ClickHouse exactly once.
 */
@ExtendWith(ClickHouseServerExtension.class)
class PredecessorImportIT {
    static final Path MAKE_SPOOL = Path.of("src/test/resources/predecessor/make_spool.py").toAbsolutePath();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private Process writer;

    @AfterEach
    void killWriter() throws InterruptedException {
        if (writer != null && writer.isAlive()) {
            writer.destroyForcibly().waitFor();
        }
    }

    /** Starts the old writer on CH_SPOOL_DIR=tmp/old/ and returns what it queued (it keeps running). */
    private JsonNode oldWriter(String db, int rows, String... flags) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("python3", MAKE_SPOOL.toString(), db, "events",
                String.valueOf(rows)));
        cmd.addAll(List.of(flags));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(tmp.resolve("old-writer-" + db + ".log").toFile());
        pb.environment().put("CH_URL", "http://127.0.0.1:1");
        pb.environment().put("CH_SPOOL_DIR", tmp.resolve("old").toString());
        writer = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            throw new AssertionError("the old writer printed nothing:\n" + Files.readString(tmp.resolve("old-writer-" + db + ".log")));
        }
        JsonNode r = JSON.readTree(line);
        assertEquals(0, r.get("dropped").asInt(), "the old writer dropped rows itself: " + line);
        return r;
    }

    private void killOldWriter() throws InterruptedException {
        writer.destroyForcibly();
        assertTrue(writer.waitFor(30, TimeUnit.SECONDS));
    }

    static void createTable(ClickHouseEndpoint ch, String db) {
        ch.createDatabase(db);
        ch.exec("CREATE TABLE IF NOT EXISTS " + db + ".events (n Int64, src String) ENGINE = MergeTree ORDER BY n");
        ch.exec("TRUNCATE TABLE " + db + ".events");
    }

    /**
     * Waits until the agent's spool has nothing left to send, then counts. Once no row is queued every
     * insert the agent will ever make has been answered: an insert only carries rows that are still
     * queued, and they leave the queue after ClickHouse accepted them. So a duplicate, a second insert of
     * the same rows, is in the table by then.
     */
    static void assertExactlyOnce(ClickHouseEndpoint ch, RunningAgent agent, String db, long rows) throws Exception {
        Eventually.await(Duration.ofSeconds(120), "the agent's spool drained", () -> agent.agent.spool().queuedRows() == 0);
        assertEquals(rows + "\t" + rows + "\t0\t" + (rows - 1),
                ch.query("SELECT count(), uniqExact(n), min(n), max(n) FROM " + db + ".events").strip());
    }

    @Test
    void aKilledWritersRowsInTheWalAreImportedOnceWithBadRowsListedAndForbiddenOnesRefused(ClickHouseEndpoint ch)
            throws Exception {
        String db = "imp_wal";
        createTable(ch, db);
        JsonNode old = oldWriter(db, 2000, "--keep-in-wal", "--broken");
        Path file = Path.of(old.get("file").asText());
        try (RunningAgent agent = RunningAgent.start(ch, tmp.resolve("agent"), db, Duration.ofSeconds(60))) {
            String spoolDir = tmp.resolve("agent").toString();
            CliRun held = CliRun.of("import-writer", file.toString(), "--spool-dir", spoolDir);
            assertEquals(ExitCodes.INCOMPLETE, held.exitCode(), held.toString());
            assertTrue(held.out().contains("refused: open by process " + writer.pid()), held.toString());
            CliRun missing = CliRun.of("import-writer", tmp.resolve("nothing/writer.sqlite3").toString(), "--spool-dir", spoolDir);
            assertEquals(ExitCodes.INCOMPLETE, missing.exitCode(), missing.toString());
            assertTrue(missing.out().contains("writer.sqlite3: refused: no such file"), missing.toString());
            CliRun notOld = CliRun.of("import-writer", agent.config.spoolFile().toString(), "--spool-dir", spoolDir, "--database", db);
            assertTrue(notOld.out().contains("refused: not a spool file of the in-process writer"), notOld.toString());

            killOldWriter();
            assertTrue(Files.size(Path.of(file + "-wal")) > 0, "the rows are in the WAL");
            agent.proxy.refuse(); // hold delivery, to look at the imported rows in the agent's spool
            CliRun first = CliRun.of("import-writer", file.toString(), "--spool-dir", spoolDir);
            System.out.println(first);
            assertEquals(ExitCodes.INCOMPLETE, first.exitCode(), first.toString());
            assertTrue(first.out().contains("imported 2,000, already imported 0, bad 2, refused 1, not sent 0"), first.toString());
            JsonNode odd = old.get("odd");
            assertTrue(first.out().contains("bad row id " + odd.get("not_json").asLong() + ": not valid JSON"), first.toString());
            assertTrue(first.out().contains("bad row id " + odd.get("not_object").asLong() + ": not a JSON object"), first.toString());
            assertTrue(first.out().contains("refused forbidden_db.events: database 'forbidden_db' is not allowed"), first.toString());
            try (Connection c = SqliteConnections.readOnly(agent.config.spoolFile(), 1000); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), min(created_us), max(created_us) FROM queue WHERE tbl = '"
                         + db + ".events'")) {
                rs.next();
                assertEquals(2000, rs.getLong(1));
                assertEquals(old.get("min_created").asLong(), rs.getLong(2), "created_ts_us kept");
                assertEquals(old.get("max_created").asLong(), rs.getLong(3), "created_ts_us kept");
            }
            agent.proxy.pass();
            assertExactlyOnce(ch, agent, db, 2000);

            CliRun again = CliRun.of("import-writer", file.toString(), "--spool-dir", spoolDir, "--delete-imported");
            assertTrue(again.out().contains("imported 0, already imported 2,000, bad 2, refused 1"), again.toString());
            assertTrue(again.out().contains("deleted 2,000 imported row(s)"), again.toString());
            try (Connection c = SqliteConnections.readOnly(file, 1000); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT group_concat(id) FROM (SELECT id FROM queue ORDER BY id)")) {
                rs.next();
                assertEquals(odd.get("not_json").asLong() + "," + odd.get("not_object").asLong() + ","
                        + odd.get("forbidden").asLong(), rs.getString(1), "only the rows that were not imported are left");
            }
            assertExactlyOnce(ch, agent, db, 2000);
        }
    }

    @Test
    void aFileStillHeldOpenIsImportedWithForce(ClickHouseEndpoint ch) throws Exception {
        String db = "imp_force";
        createTable(ch, db);
        JsonNode old = oldWriter(db, 500);
        try (RunningAgent agent = RunningAgent.start(ch, tmp.resolve("agent"), db, Duration.ofSeconds(60))) {
            CliRun forced = CliRun.of("import-writer", old.get("file").asText(), "--spool-dir",
                    tmp.resolve("agent").toString(), "--force");
            assertEquals(ExitCodes.OK, forced.exitCode(), forced.toString());
            assertTrue(forced.out().contains("imported 500, already imported 0, bad 0"), forced.toString());
            assertTrue(writer.isAlive(), "the old writer still runs");
            assertExactlyOnce(ch, agent, db, 500);
        }
    }

    @Test
    void anImportKilledHalfwayThroughA200000RowFileContinuesWhereItsCommittedRowsEnd(ClickHouseEndpoint ch) throws Exception {
        String db = "imp_big";
        createTable(ch, db);
        JsonNode old = oldWriter(db, 200_000);
        assertEquals(200_000, old.get("good").asInt());
        killOldWriter();
        Path file = Path.of(old.get("file").asText());
        String source = new PredecessorFile(file).identity();
        try (RunningAgent agent = RunningAgent.start(ch, tmp.resolve("agent"), db, Duration.ofSeconds(60))) {
            String spoolDir = tmp.resolve("agent").toString();
            Path log = tmp.resolve("import.log");
            Process importer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SpoolCtl.class.getName(), "import-writer", file.toString(),
                    "--spool-dir", spoolDir, "--batch-rows", "100")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Eventually.await(Duration.ofSeconds(120), "the import committing 50,000 rows", () -> {
                if (!importer.isAlive()) {
                    throw new AssertionError("the import ended before it was killed:\n" + readQuietly(log));
                }
                return committedImportRows(agent, source) >= 50_000;
            });
            importer.destroyForcibly();
            assertTrue(importer.waitFor(30, TimeUnit.SECONDS));
            long atKill = agent.agent.spool().importProgress(source).get(5, TimeUnit.SECONDS).get("events");
            assertTrue(atKill < 200_000, "killed halfway, at " + atKill);

            CliRun rerun = CliRun.of("import-writer", file.toString(), "--spool-dir", spoolDir);
            System.out.println("killed at " + atKill + "\n" + rerun);
            assertEquals(ExitCodes.OK, rerun.exitCode(), rerun.toString());
            assertTrue(rerun.out().contains("imported " + StatusRenderer.count(200_000 - atKill) + ", already imported "
                    + StatusRenderer.count(atKill) + ", bad 0, refused 0, not sent 0"), atKill + "\n" + rerun);
            assertTrue(rerun.err().contains("] 100%"), "a progress bar for the 200,000-row file:\n" + rerun);
            assertEquals(Map.of("events", 200_000L), agent.agent.spool().importProgress(source).get(5, TimeUnit.SECONDS));
            assertExactlyOnce(ch, agent, db, 200_000);

            CliRun third = CliRun.of("import-writer", file.toString(), "--spool-dir", spoolDir);
            assertEquals(ExitCodes.OK, third.exitCode(), third.toString());
            assertTrue(third.out().contains("nothing to import: all 200,000 row(s) were imported by an earlier run"), third.toString());
            assertExactlyOnce(ch, agent, db, 200_000);
        }
    }

    /** Rows of the {@code events} table the agent has committed for the import of {@code source} so far. */
    private static long committedImportRows(RunningAgent agent, String source) {
        try {
            return agent.agent.spool().importProgress(source).get(5, TimeUnit.SECONDS).getOrDefault("events", 0L);
        } catch (Exception e) {
            throw new AssertionError("cannot read the import progress", e);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + file + " unreadable: " + e.getMessage() + ")";
        }
    }

}

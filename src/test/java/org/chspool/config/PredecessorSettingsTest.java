package org.chspool.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every CH_* setting the in-process writer (ch_writer.py) read, written the way it read them, means the
 * same to the agent, or is refused at start-up with a message that says what to do instead; none is
 * ignored. One test per name (docs/migrating.md has the table).
 */
class PredecessorSettingsTest {
    @TempDir
    Path dir;

    private AgentConfig load(String... kv) throws ConfigException {
        Map<String, String> env = new HashMap<>();
        env.put("CH_SPOOL_DIR", dir.resolve("agent").toString());
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return ConfigLoader.fromEnv(env);
    }

    private String refusal(String... kv) {
        return assertThrows(ConfigException.class, () -> load(kv)).getMessage();
    }

    @Test
    void chUrlIsTheClickHouseHttpUrl() throws Exception {
        assertEquals(URI.create("http://ch.internal:8123"), load("CH_URL", "http://ch.internal:8123").clickHouseUrl());
    }

    @Test
    void chUserIsTheClickHouseUser() throws Exception {
        assertEquals("dolphin", load("CH_USER", "dolphin").user());
    }

    @Test
    void chPassIsTheClickHousePassword() throws Exception {
        assertEquals("dolphin_ch_2026", load("CH_PASS", "dolphin_ch_2026").password().reveal());
    }

    @Test
    void chDbIsTheDatabaseOfUnqualifiedTables() throws Exception {
        AgentConfig c = load("CH_DB", "dolphin_green");
        assertEquals("dolphin_green", c.database());
        assertEquals(java.util.Set.of("dolphin_green"), c.allowedDatabases());
    }

    @Test
    void chSpoolDirIsTheSpoolsDirectoryAndTheOldWritersRootIsRefusedNamingImportWriter() throws Exception {
        assertEquals(dir.resolve("agent"), load().spoolDir());
        Path old = dir.resolve("ch_spool");
        Files.createDirectories(old.resolve("dolphin"));
        Files.writeString(old.resolve("dolphin").resolve("writer.sqlite3"), "");
        String why = refusal("CH_SPOOL_DIR", old.toString());
        assertTrue(why.contains("CH_SPOOL_DIR=") && why.contains("in-process writer")
                && why.contains("spoolctl import-writer " + old.resolve("dolphin").resolve("writer.sqlite3")), why);
        assertTrue(refusal("CH_SPOOL_DIR", old.resolve("dolphin").toString()).contains("in-process writer"));
    }

    @Test
    void chBatchSizeIsRowsPerClickHouseInsert() throws Exception {
        assertEquals(250, load("CH_BATCH_SIZE", "250").batchSize());
    }

    @Test
    void chFlushIntervalSIsTheLongestARowWaitsBeforeItsInsertInFractionalSeconds() throws Exception {
        assertEquals(Duration.ofSeconds(1), load("CH_FLUSH_INTERVAL_S", "1.0").flushInterval());
        assertEquals(Duration.ofMillis(250), load("CH_FLUSH_INTERVAL_S", "0.25").flushInterval());
    }

    @Test
    void chMaintenanceIntervalSIsSecondsBetweenMaintenanceRunsAndZeroIsRefusedWithWhatToGive() throws Exception {
        assertEquals(Duration.ofSeconds(300), load("CH_MAINTENANCE_INTERVAL_S", "300").maintenanceInterval());
        assertEquals(Duration.ofMillis(2500), load("CH_MAINTENANCE_INTERVAL_S", "2.5").maintenanceInterval());
        String why = refusal("CH_MAINTENANCE_INTERVAL_S", "0");
        assertTrue(why.contains("CH_MAINTENANCE_INTERVAL_S='0'") && why.contains("give 1 or more"), why);
    }

    @Test
    void chWalTruncateBytesIsTheWalSizeThatTriggersATruncatingCheckpoint() throws Exception {
        assertEquals(67_108_864L, load("CH_WAL_TRUNCATE_BYTES", "67108864").walTruncateBytes());
    }

    @Test
    void chVacuumMinBytesIsTheFileSizeFromWhichAnEmptySpoolIsVacuumed() throws Exception {
        assertEquals(536_870_912L, load("CH_VACUUM_MIN_BYTES", "536870912").vacuumMinBytes());
    }

    @Test
    void chVacuumMinFreeRatioIsTheFreeDiskPerFileByteVacuumNeedsAndBelowOneIsRefused() throws Exception {
        assertEquals(1.25, load("CH_VACUUM_MIN_FREE_RATIO", "1.25").vacuumMinFreeRatio());
        String why = refusal("CH_VACUUM_MIN_FREE_RATIO", "0.5");
        assertTrue(why.contains("CH_VACUUM_MIN_FREE_RATIO='0.5'") && why.contains("between 1.0"), why);
    }

    @Test
    void chVacuumMinFreeBytesIsTheFreeDiskVacuumNeedsOnTop() throws Exception {
        assertEquals(134_217_728L, load("CH_VACUUM_MIN_FREE_BYTES", "134217728").vacuumMinFreeBytes());
    }
}

package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolMaintenanceTest {
    @TempDir
    Path dir;

    static final TableName T = TableName.ofStored("default.m");

    private static void fill(Spool spool, int rows) throws Exception {
        byte[] row = ("{\"pad\":\"" + "z".repeat(1000) + "\"}").getBytes(StandardCharsets.UTF_8);
        java.util.List<byte[]> chunk = java.util.Collections.nCopies(500, row);
        for (int i = 0; i < rows; i += 500) {
            spool.appendAll(T, chunk).get(10, TimeUnit.SECONDS);
        }
    }

    private static void drain(Spool spool) throws Exception {
        SpoolBatch b;
        while (!(b = spool.reader().oldest(T, 5000, Long.MAX_VALUE)).isEmpty()) {
            spool.delete(b).get();
        }
    }

    @Test
    void checkpointTruncatesTheWalOnceItPassesTheThreshold() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir, "CH_WAL_TRUNCATE_BYTES", "64KiB");
        try (Spool spool = Spool.open(cfg); SpoolMaintenance m = new SpoolMaintenance(spool, Clock.systemUTC())) {
            fill(spool, 2000);
            MaintenanceResult r = m.runOnce();
            assertTrue(r.walBytesBefore() >= 64 * 1024, r.summary());
            assertTrue(r.checkpointed(), r.summary());
            assertEquals(0, r.walBytesAfter(), r.summary());
            assertFalse(r.vacuumed());
        }
    }

    @Test
    void smallWalIsLeftAlone() throws Exception {
        try (Spool spool = Spool.open(TestConfigs.forDir(dir));
             SpoolMaintenance m = new SpoolMaintenance(spool, Clock.systemUTC())) {
            fill(spool, 500);
            MaintenanceResult r = m.runOnce();
            assertFalse(r.checkpointed(), r.summary());
            assertTrue(r.ok());
        }
    }

    @Test
    void emptyLargeSpoolIsVacuumedWhenTheDiskHasRoom() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir, "CH_VACUUM_MIN_BYTES", "1MiB", "CH_WAL_TRUNCATE_BYTES", "0");
        try (Spool spool = Spool.open(cfg); SpoolMaintenance m = new SpoolMaintenance(spool, Clock.systemUTC())) {
            fill(spool, 5000);
            m.runOnce(); // move the WAL into the file so the file is large
            drain(spool);
            MaintenanceResult r = m.runOnce();
            assertTrue(r.vacuumed(), r.summary());
            assertTrue(r.fileBytesAfter() < r.fileBytesBefore() / 4, r.summary());
        }
    }

    @Test
    void vacuumIsSkippedWhenFreeSpaceIsShort() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir, "CH_VACUUM_MIN_BYTES", "1MiB", "CH_WAL_TRUNCATE_BYTES", "0");
        FreeSpaceProbe nearlyFull = p -> 32L << 20; // below VACUUM's 128 MiB margin, above the put reserve
        try (Spool spool = Spool.open(cfg, Clock.systemUTC(), nearlyFull);
             SpoolMaintenance m = new SpoolMaintenance(spool, Clock.systemUTC())) {
            fill(spool, 5000);
            m.runOnce();
            drain(spool);
            MaintenanceResult r = m.runOnce();
            assertFalse(r.vacuumed(), r.summary());
            assertTrue(r.note().startsWith("free disk"), r.summary());
            assertTrue(r.ok());
        }
    }

    @Test
    void vacuumIsSkippedWhileRowsAreQueued() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir, "CH_VACUUM_MIN_BYTES", "0");
        try (Spool spool = Spool.open(cfg); SpoolMaintenance m = new SpoolMaintenance(spool, Clock.systemUTC())) {
            fill(spool, 500);
            MaintenanceResult r = m.runOnce();
            assertFalse(r.vacuumed());
            assertEquals("queue not empty", r.note());
        }
    }
}

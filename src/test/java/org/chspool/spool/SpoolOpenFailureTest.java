package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.chspool.config.AgentConfig;
import org.chspool.testing.OpenFiles;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hardening B5: a spool that fails to open leaves nothing open behind it. */
class SpoolOpenFailureTest {
    @TempDir
    Path dir;

    @Test
    void aFileTooNewToOpenLeavesNoConnectionOpen() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        Files.createDirectories(dir);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile())) {
            SpoolSchema.ensure(c);
            try (Statement s = c.createStatement()) {
                s.execute("UPDATE schema_version SET version = 99");
            }
        }
        assertEquals(0, OpenFiles.handlesTo(cfg.spoolFile()));
        SpoolFileException e = assertThrows(SpoolFileException.class, () -> Spool.open(cfg));
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        assertEquals(0, OpenFiles.handlesTo(cfg.spoolFile()), "connections of the failed open are closed");
        // and the file can be opened again once fixed
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile());
             Statement s = c.createStatement()) {
            s.execute("UPDATE schema_version SET version = " + SpoolSchema.CURRENT_VERSION);
        }
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(0, spool.queuedRows());
        }
        assertEquals(0, OpenFiles.handlesTo(cfg.spoolFile()), "and a closed spool holds nothing either");
    }
}

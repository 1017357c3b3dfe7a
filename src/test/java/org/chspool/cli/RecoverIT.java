package org.chspool.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.chspool.testing.RunningAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(ClickHouseServerExtension.class)
class RecoverIT {
    @TempDir
    Path dir;

    @Test
    void aDamagedSpoolIsReportedDegradedUntilTheOperatorAcknowledgesIt(ClickHouseEndpoint ch) throws Exception {
        Path spoolDir = dir.resolve("spool");
        Files.createDirectories(spoolDir);
        byte[] junk = new byte[64 * 1024];
        new Random(7).nextBytes(junk);
        Files.write(spoolDir.resolve("spool.db"), junk); // not an SQLite file at all
        String db = ch.createDatabase("recover_" + Long.toHexString(System.nanoTime()));
        try (RunningAgent a = RunningAgent.start(ch, spoolDir, db, Duration.ofSeconds(60))) {
            try (var files = Files.list(spoolDir)) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("spool.db.corrupt-")),
                        "the damaged file is kept aside, never deleted");
            }
            CliRun status = CliRun.of("status", "--spool-dir", spoolDir.toString());
            assertEquals(1, status.exitCode(), status.toString());
            assertTrue(status.out().contains("recover --ack"), status.toString());

            CliRun ack = CliRun.of("recover", "--ack", "--spool-dir", spoolDir.toString());
            assertEquals(0, ack.exitCode(), ack.toString());
            assertTrue(ack.out().startsWith("acknowledged: "), ack.toString());

            CliRun after = CliRun.of("status", "--spool-dir", spoolDir.toString());
            assertEquals(0, after.exitCode(), after.toString());
            CliRun again = CliRun.of("recover", "--ack", "--spool-dir", spoolDir.toString());
            assertEquals("nothing to acknowledge", again.out().strip());
        }
    }
}

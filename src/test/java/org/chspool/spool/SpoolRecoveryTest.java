package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged spool file at start is moved aside, its readable rows recovered, and a notice kept until acked. */
class SpoolRecoveryTest {
    static final List<TableName> TABLES = List.of(TableName.ofStored("default.a"), TableName.ofStored("default.b"),
            TableName.ofStored("default.c"));
    static final int ROWS_PER_TABLE = 6000;

    @TempDir
    Path dir;

    AgentConfig config() {
        return TestConfigs.forDir(dir);
    }

    /** Three tables of padded rows, about 2 MB of pages, closed cleanly (WAL checkpointed). */
    void fillSpool() throws Exception {
        try (Spool spool = Spool.open(config())) {
            for (TableName t : TABLES) {
                for (int base = 0; base < ROWS_PER_TABLE; base += 500) {
                    List<byte[]> rows = new ArrayList<>();
                    for (int i = base; i < base + 500; i++) {
                        rows.add(("{\"i\":" + i + ",\"pad\":\"" + "x".repeat(80) + "\"}").getBytes(StandardCharsets.UTF_8));
                    }
                    assertEquals(500, spool.appendAll(t, rows).get(10, TimeUnit.SECONDS));
                }
            }
        }
    }

    Path spoolFile() {
        return dir.resolve("spool.db");
    }

    List<Path> asideFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("spool.db.corrupt-")).toList();
        }
    }

    /** Every queued row of every table can be read (no damaged page left in the new file). */
    static long readAll(Spool spool) throws Exception {
        long n = 0;
        for (TableName t : TABLES) {
            n += spool.reader().oldest(t, Integer.MAX_VALUE, Long.MAX_VALUE).size();
        }
        return n;
    }

    /** Overwrites 200 bytes at the page in the middle of the file: the header of a queue leaf page. */
    void damageMiddlePage() throws IOException {
        long size = Files.size(spoolFile());
        byte[] garbage = new byte[200];
        new Random(42).nextBytes(garbage);
        overwrite(spoolFile(), (size / 2) / 4096 * 4096, garbage);
    }

    static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    @Test
    void soundSpoolOpensWithoutNoticeOrFilesAside() throws Exception {
        fillSpool();
        try (Spool spool = Spool.open(config())) {
            assertNull(spool.recoveryNotice());
            assertEquals(3L * ROWS_PER_TABLE, spool.queuedRows());
        }
        assertTrue(asideFiles().isEmpty());
        assertFalse(Files.exists(SpoolRecovery.markerFile(spoolFile())));
    }

    @Test
    void byteFlippedPageIsMovedAsideAndTheOtherRowsRecovered() throws Exception {
        fillSpool();
        damageMiddlePage(); // the header of a queue leaf page
        try (Spool spool = Spool.open(config())) {
            RecoveryNotice n = spool.recoveryNotice();
            assertNotNull(n, "a damaged file must leave a notice");
            assertTrue(n.reason().contains("quick_check") || n.reason().contains("malformed"), n.reason());
            assertEquals(3L * ROWS_PER_TABLE, n.rowsExpected());
            assertTrue(n.rowsRecovered() > 3L * ROWS_PER_TABLE * 9 / 10, "most rows survive one bad page: " + n);
            assertTrue(n.rowsRecovered() < 3L * ROWS_PER_TABLE, "the bad page's rows are gone: " + n);
            assertEquals(n.rowsRecovered(), spool.queuedRows());
            assertEquals(n.rowsRecovered(), readAll(spool));
            assertTrue(Files.exists(Path.of(n.fileAside())), "the damaged file is kept");
            assertEquals(1, spool.append(TABLES.get(0), "{\"after\":1}".getBytes()).get(5, TimeUnit.SECONDS));
        }
        assertEquals(1, asideFiles().size());
    }

    @Test
    void aBatchMarkedDeliveredStaysMarkedThroughTheSalvageOfADamagedFile() throws Exception {
        fillSpool();
        try (Spool spool = Spool.open(config())) {
            spool.freeze(spool.reader().after(TABLES.get(0), Long.MIN_VALUE, 100, 1 << 30)).get(10, TimeUnit.SECONDS);
        }
        // ClickHouse accepted it and its delete yielded part way (SpoolOps.DeleteDelivered): never to be sent again.
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + spoolFile());
             java.sql.Statement s = c.createStatement()) {
            s.execute("UPDATE batch SET delivered = 1");
        }
        damageMiddlePage();
        try (Spool spool = Spool.open(config())) {
            assertNotNull(spool.recoveryNotice(), "the file was salvaged");
            FrozenBatch b = spool.reader().frozenAfter(TABLES.get(0), Long.MIN_VALUE).orElseThrow();
            assertTrue(b.delivered(), "a salvaged batch that ClickHouse holds must not be sent again");
        }
    }

    @Test
    void aFrozenBatchKeepsItsFailedAttemptsThroughTheSalvageOfADamagedFile() throws Exception {
        fillSpool();
        try (Spool spool = Spool.open(config())) {
            FrozenBatch b = spool.freeze(spool.reader().after(TABLES.get(0), Long.MIN_VALUE, 100, 1 << 30))
                    .get(10, TimeUnit.SECONDS);
            spool.recordFailure(b.id(), "connection refused", java.time.Instant.now()).get(10, TimeUnit.SECONDS);
            spool.recordFailure(b.id(), "connection refused", java.time.Instant.now()).get(10, TimeUnit.SECONDS);
        }
        damageMiddlePage();
        try (Spool spool = Spool.open(config())) {
            assertNotNull(spool.recoveryNotice(), "the file was salvaged");
            FrozenBatch b = spool.reader().frozenAfter(TABLES.get(0), Long.MIN_VALUE).orElseThrow();
            assertEquals(2, b.rows().attempts()[0], "the batch's attempts are its rows' attempts");
        }
    }

    @Test
    void truncatedFileKeepsTheRowsBeforeTheCut() throws Exception {
        fillSpool();
        long size = Files.size(spoolFile());
        try (RandomAccessFile f = new RandomAccessFile(spoolFile().toFile(), "rw")) {
            f.setLength(size / 2);
        }
        try (Spool spool = Spool.open(config())) {
            RecoveryNotice n = spool.recoveryNotice();
            assertNotNull(n);
            assertTrue(n.rowsRecovered() > 0, "rows before the cut are readable: " + n);
            assertEquals(n.rowsRecovered(), readAll(spool));
            assertEquals(1, spool.append(TABLES.get(1), "{\"after\":1}".getBytes()).get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void foreignFileIsMovedAsideAndAnEmptySpoolServes() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(spoolFile(), "this is not a database\n".repeat(100));
        try (Spool spool = Spool.open(config())) {
            RecoveryNotice n = spool.recoveryNotice();
            assertNotNull(n);
            assertTrue(n.reason().startsWith("not an SQLite database"), n.reason());
            assertEquals(0, n.rowsRecovered());
            assertEquals(1, spool.append(TABLES.get(0), "{\"x\":1}".getBytes()).get(5, TimeUnit.SECONDS));
        }
        Path aside = asideFiles().get(0);
        assertEquals("this is not a database\n".repeat(100), Files.readString(aside), "moved, never altered");
    }

    @Test
    void sqliteFileOfAnotherApplicationIsMovedAside() throws Exception {
        Files.createDirectories(dir);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + spoolFile());
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE users (name TEXT)");
        }
        try (Spool spool = Spool.open(config())) {
            assertTrue(spool.recoveryNotice().reason().contains("not a chspool spool"));
        }
    }

    @Test
    void newerSchemaVersionIsAStartupErrorAndTheFileStays() throws Exception {
        fillSpool();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + spoolFile());
             Statement s = c.createStatement()) {
            s.execute("UPDATE schema_version SET version = 99");
        }
        SpoolFileException e = assertThrows(SpoolFileException.class, () -> Spool.open(config()));
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
        assertTrue(asideFiles().isEmpty());
        assertFalse(Files.exists(SpoolRecovery.markerFile(spoolFile())));
    }

    @Test
    void noticeSurvivesRestartsUntilAcknowledged() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(spoolFile(), "garbage");
        RecoveryNotice first;
        try (Spool spool = Spool.open(config())) {
            first = spool.recoveryNotice();
            assertNotNull(first);
        }
        try (Spool spool = Spool.open(config())) {
            assertEquals(first, spool.recoveryNotice(), "still DEGRADED after a restart");
            assertEquals(first, spool.acknowledgeRecovery());
            assertNull(spool.recoveryNotice());
            assertNull(spool.acknowledgeRecovery());
        }
        try (Spool spool = Spool.open(config())) {
            assertNull(spool.recoveryNotice());
        }
        assertEquals(1, asideFiles().size(), "a recovered file is not recovered again");
    }

    @Test
    void recoveryInterruptedAfterMovingTheWalResumesAtTheNextStart() throws Exception {
        fillSpool();
        overwrite(spoolFile(), Files.size(spoolFile()) / 2 / 4096 * 4096, new byte[300]);
        // A crash after the record was written and the companions were moved, before the main file moved.
        Path aside = dir.resolve("spool.db.corrupt-20240101T000000Z");
        new RecoveryMarker(SpoolRecovery.markerFile(spoolFile())).write(new RecoveryMarker.Entry(
                RecoveryMarker.State.IN_PROGRESS, new RecoveryNotice(Instant.parse("2024-01-01T00:00:00Z"),
                        "test damage", 0, -1, 0, aside.toString()), null));
        try (Spool spool = Spool.open(config())) {
            RecoveryNotice n = spool.recoveryNotice();
            assertEquals("test damage", n.reason());
            assertTrue(n.rowsRecovered() > 0);
            assertEquals(n.rowsRecovered(), readAll(spool));
        }
        assertEquals(List.of(aside), asideFiles());
    }
}

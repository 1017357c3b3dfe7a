package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool grants nothing to other users, whatever the umask: the directory ends up 0750 and the spool
 * file, its WAL and SHM, and a damaged file kept aside 0640. The JVM's umask cannot be changed, so the
 * permissive case (umask 000) is made by creating the directory and files world-readable first: the agent
 * must set the modes itself.
 */
class SpoolFileModesTest {
    private static final String DIRECTORY = "rwxr-x---";
    private static final String FILE = "rw-r-----";

    @TempDir
    Path root;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void chmod(Path p, String mode) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    private static void appendOneRow(Spool spool) throws Exception {
        spool.append(TableName.ofStored("default.t"), "{\"a\":1}".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aNewSpoolIsOwnerAndGroupOnlyEvenInAWorldWritableDirectory() throws Exception {
        Path dir = Files.createDirectory(root.resolve("spool"));
        chmod(dir, "rwxrwxrwx"); // what umask 000 gives a directory
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            appendOneRow(spool);
            assertEquals(DIRECTORY, mode(dir));
            for (String f : List.of("spool.db", "spool.db-wal", "spool.db-shm")) {
                assertTrue(Files.exists(dir.resolve(f)), f);
                assertEquals(FILE, mode(dir.resolve(f)), f);
            }
        }
    }

    @Test
    void aMissingSpoolDirectoryIsCreated0750() throws Exception {
        Path dir = root.resolve("a/b/spool");
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            appendOneRow(spool);
            assertEquals(DIRECTORY, mode(dir));
            assertEquals(FILE, mode(dir.resolve("spool.db")));
        }
    }

    @Test
    void filesLeftWorldReadableByAnOlderVersionAreRestrictedAtOpen() throws Exception {
        Path dir = root.resolve("spool");
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            appendOneRow(spool);
        }
        chmod(dir, "rwxrwxrwx");
        chmod(dir.resolve("spool.db"), "rw-rw-rw-");
        Path wal = dir.resolve("spool.db-wal");
        Files.write(wal, new byte[0]); // an empty WAL, as a crash can leave one
        chmod(wal, "rw-rw-rw-");
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            assertEquals(1, spool.queuedRows());
            assertEquals(DIRECTORY, mode(dir));
            assertEquals(FILE, mode(dir.resolve("spool.db")));
            assertEquals(FILE, mode(wal));
            assertEquals(FILE, mode(dir.resolve("spool.db-shm")));
        }
    }

    @Test
    void aDamagedSpoolKeptAsideAndTheRecoveryRecordAreOwnerAndGroupOnly() throws Exception {
        Path dir = Files.createDirectory(root.resolve("spool"));
        Path db = dir.resolve("spool.db");
        Files.writeString(db, "this is not an SQLite file, but it holds rows someone wants back");
        chmod(db, "rw-rw-rw-");
        try (Spool spool = Spool.open(TestConfigs.forDir(dir))) {
            assertEquals(FILE, mode(db));
            try (Stream<Path> aside = Files.list(dir)) {
                List<Path> kept = aside.filter(p -> p.getFileName().toString().startsWith("spool.db.corrupt-")).toList();
                assertEquals(1, kept.size(), kept.toString());
                assertEquals(FILE, mode(kept.get(0)));
            }
            assertEquals(FILE, mode(SpoolRecovery.markerFile(db)));
        }
    }
}

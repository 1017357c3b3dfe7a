package org.chspool.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request spilled to disk holds rows that are not committed yet: its directory is 0750 and its file 0640
 * whatever the umask (the permissive case is a spill directory made world-writable first).
 */
class StagedRowsFileModeTest {
    @TempDir
    Path root;

    @Test
    void theSpillDirectoryAndFileGrantNothingToOtherUsers() throws Exception {
        Path spill = Files.createDirectory(root.resolve("http-spill"));
        Files.setPosixFilePermissions(spill, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (StagedRows staged = new StagedRows(spill, 2, 1 << 20)) {
            for (int i = 0; i < 5; i++) {
                staged.add(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(spill)));
            try (Stream<Path> files = Files.list(spill)) {
                List<Path> all = files.toList();
                assertEquals(1, all.size(), all.toString());
                assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(all.get(0))));
            }
        }
    }
}

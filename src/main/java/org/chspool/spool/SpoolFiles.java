package org.chspool.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the spool's companion files are, and how big the files are, for status and maintenance. */
public final class SpoolFiles {
    /** The suffixes of an SQLite file's name that make up the database: the file itself and its companions. */
    static final java.util.List<String> SUFFIXES = java.util.List.of("", "-wal", "-shm", "-journal");

    private SpoolFiles() {}

    /** The WAL file of the spool file {@code spoolFile} ({@code spool.db-wal}). */
    public static Path walOf(Path spoolFile) {
        return spoolFile.resolveSibling(spoolFile.getFileName() + "-wal");
    }

    /** The file's size, or 0 when it does not exist or cannot be read. */
    public static long sizeOrZero(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}

package org.chspool.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Free bytes on the filesystem of a path. An interface so tests can pretend the disk is nearly full. */
@FunctionalInterface
public interface FreeSpaceProbe {
    long freeBytes(Path path) throws IOException;

    /** The real filesystem's usable space. */
    FreeSpaceProbe FILESYSTEM = p -> Files.getFileStore(p).getUsableSpace();
}

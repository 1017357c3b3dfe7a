package org.chspool.config;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recognises a CH_SPOOL_DIR carried over from the in-process writer, for which it was a root holding one
 * {@code <database>/writer.sqlite3} per namespace; for the agent it is the directory of its own spool
 * ({@code spool.db}, sockets), one per namespace. An agent started on the old root would look healthy
 * while the old files' rows were never delivered, so start-up refuses it and says what to do. Stateless.
 */
final class PredecessorSpoolDir {
    static final String FILE = "writer.sqlite3";

    private PredecessorSpoolDir() {}

    /** The first old-writer spool file in {@code dir} or one level below, or null (also when unreadable). */
    static Path find(Path dir) {
        if (Files.isRegularFile(dir.resolve(FILE))) {
            return dir.resolve(FILE);
        }
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (DirectoryStream<Path> subs = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path sub : subs) {
                if (Files.isRegularFile(sub.resolve(FILE))) {
                    return sub.resolve(FILE);
                }
            }
        } catch (IOException | SecurityException e) {
            return null;
        }
        return null;
    }

    static String problem(Path found) {
        return "holds a spool file of the in-process writer (" + found + "): for the agent CH_SPOOL_DIR is its own"
                + " directory (spool.db and its sockets), one per namespace, e.g. /var/lib/chspool/NAME; give the agent"
                + " another directory and hand the old file's rows to it with 'spoolctl import-writer " + found + "'";
    }
}

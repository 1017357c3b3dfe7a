package org.chspool.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The modes of the files the agent creates, whatever the process's umask: directories {@code 0750},
 * files {@code 0640} — the owner and its group (an operator in group {@code chspool}) only, nothing for
 * other users, because the spool holds undelivered rows. Every mode is set explicitly with chmod after
 * creation (the umask only ever removes bits; a permissive umask such as 000 would otherwise leave the
 * files readable by everyone), and files created under a directory the agent has restricted first are
 * never reachable by other users in between. Stateless; static methods, any thread.
 */
public final class FileModes {
    /** {@code rwxr-x---}. */
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-x---");
    /** {@code rw-r-----}. */
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-r-----");

    private FileModes() {}

    /**
     * Creates {@code dir} (with missing parents, which keep the umask's modes) and sets it to 0750, also
     * when it already existed.
     *
     * @throws IOException when it cannot be created or its mode cannot be set (e.g. another user owns it)
     */
    public static Path directory(Path dir) throws IOException {
        Files.createDirectories(dir);
        set(dir, DIRECTORY, "directory");
        return dir;
    }

    /** Sets {@code file} to 0640 if it exists (a symbolic link is not followed). */
    public static void restrictIfExists(Path file) throws IOException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(file)) {
            set(file, FILE, "file");
        }
    }

    /** Creates a new, empty temporary file in {@code dir} with mode 0640. */
    public static Path createTempFile(Path dir, String prefix, String suffix) throws IOException {
        Path f = Files.createTempFile(dir, prefix, suffix, PosixFilePermissions.asFileAttribute(FILE));
        set(f, FILE, "file");
        return f;
    }

    private static void set(Path p, Set<PosixFilePermission> mode, String what) throws IOException {
        try {
            if (!Files.getPosixFilePermissions(p).equals(mode)) {
                Files.setPosixFilePermissions(p, mode);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new IOException("cannot set mode " + PosixFilePermissions.toString(mode) + " on the " + what + " " + p
                    + " (" + e + "); the agent must own it", e);
        }
    }
}

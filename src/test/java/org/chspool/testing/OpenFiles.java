package org.chspool.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What this JVM holds open, read from {@code /proc/self/fd} (Linux): for tests that nothing leaks. */
public final class OpenFiles {
    private OpenFiles() {}

    /** Open descriptors of this process whose target path starts with {@code file} (so also -wal, -shm). */
    public static long handlesTo(Path file) throws IOException {
        String prefix = file.toAbsolutePath().normalize().toString();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith(prefix);
                } catch (IOException | UnsupportedOperationException e) {
                    return false; // closed meanwhile, or not a link
                }
            }).count();
        }
    }
}

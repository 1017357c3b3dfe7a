package org.chspool.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deletes a temporary directory tree that a benchmark or a test server made for itself. */
public final class TempTrees {
    private TempTrees() {}

    /**
     * Deletes {@code dir} and everything under it, deepest first; a file that cannot be deleted is left
     * (as {@link File#delete()} leaves it). Nothing happens when {@code dir} does not exist.
     *
     * @throws IOException when the tree cannot be walked
     */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

package org.chspool.spool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The persistent record of a spool recovery: {@code recovery.json} next to the spool file. It is
 * written before the damaged file is moved (state {@code in_progress}, so a crash mid-recovery resumes
 * instead of losing the file's WAL), again once the new file is complete ({@code recovered}), and gets
 * {@code acknowledged_at} when an operator acknowledges it. Each write goes to a temp file that is
 * fsynced and atomically renamed. Not thread-safe: {@link SpoolRecovery} serializes access.
 */
final class RecoveryMarker {
    enum State { IN_PROGRESS, RECOVERED }

    /** The marker's content. */
    record Entry(State state, RecoveryNotice notice, Instant acknowledgedAt) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    RecoveryMarker(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** The marker, or null when there is none. A marker that cannot be parsed is an error, never ignored. */
    Entry read() throws SpoolFileException {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            RecoveryNotice notice = new RecoveryNotice(Instant.parse(n.path("time").asText()), n.path("reason").asText(),
                    n.path("rows_recovered").asLong(), n.path("rows_expected").asLong(-1),
                    n.path("quarantine_recovered").asLong(), n.path("file_aside").asText());
            String ack = n.path("acknowledged_at").asText(null);
            return new Entry(State.valueOf(n.path("state").asText()), notice, ack == null ? null : Instant.parse(ack));
        } catch (IOException | RuntimeException e) {
            throw new SpoolFileException("cannot read the recovery record " + file + ": " + e.getMessage()
                    + "; fix or remove it after checking the spool directory", e);
        }
    }

    void write(Entry e) throws SpoolFileException {
        ObjectNode n = JSON.createObjectNode();
        n.put("state", e.state().name());
        n.put("time", e.notice().time().toString());
        n.put("reason", e.notice().reason());
        n.put("rows_recovered", e.notice().rowsRecovered());
        n.put("rows_expected", e.notice().rowsExpected());
        n.put("quarantine_recovered", e.notice().quarantineRecovered());
        n.put("file_aside", e.notice().fileAside());
        if (e.acknowledgedAt() != null) {
            n.put("acknowledged_at", e.acknowledgedAt().toString());
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
            org.chspool.util.FileModes.restrictIfExists(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(file.getParent());
        } catch (IOException ex) {
            throw new SpoolFileException("cannot write the recovery record " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** Makes renames in {@code dir} durable (Linux: fsync of the directory). */
    static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not supported on every platform; the rename is still atomic
        }
    }
}

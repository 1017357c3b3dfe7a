package org.chspool.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.chspool.spool.SqliteConnections;

/**
 * A spool file of the in-process writer that chspool replaces ({@code ch_writer.py}:
 * {@code <CH_SPOOL_DIR>/<database>/writer.sqlite3}, table
 * {@code queue(id, table_name, payload, created_ts_us, attempts)}). Read through a read-only SQLite
 * connection that is not {@code immutable}, so rows that are only in the {@code -wal} file (the writer was
 * killed before a checkpoint) are read too, and the file's rows are never changed, except by
 * {@link #deleteImported} when asked. Not thread-safe.
 */
final class PredecessorFile {
    /** One queued row of the old writer. */
    record Row(long id, String table, String payload, long createdUs) {}

    /** Receives rows in id order; may stop the scan by throwing. */
    interface RowVisitor {
        void accept(Row row) throws IOException, InterruptedException;
    }

    /** The file cannot be imported: missing, unreadable, or not the old writer's spool. */
    static final class NotImportable extends IOException {
        NotImportable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path path;

    PredecessorFile(Path path) {
        this.path = path.toAbsolutePath().normalize();
    }

    Path path() {
        return path;
    }

    /**
     * The file's identity under which the agent records import progress: its real path, device and inode
     * ({@code /srv/spool/dolphin/writer.sqlite3@2049:1234567}). A file recreated at the same path by a new
     * writer gets a new inode, so its rows, whose ids restart at 1, are not taken for already imported.
     * A copy elsewhere is a different file: import the file in place.
     */
    String identity() throws IOException {
        Path real = path.toRealPath();
        Object dev = Files.getAttribute(real, "unix:dev");
        Object ino = Files.getAttribute(real, "unix:ino");
        return real + "@" + dev + ":" + ino;
    }

    /** The database its rows belong to by the old writer's layout: the name of the file's directory. */
    String databaseFromLayout() {
        Path parent = path.getParent();
        return parent == null || parent.getFileName() == null ? null : parent.getFileName().toString();
    }

    /** The file and its {@code -wal}, {@code -shm} (what another process holding the file open has open). */
    List<Path> files() {
        return List.of(path, Path.of(path + "-wal"), Path.of(path + "-shm"));
    }

    /**
     * Other processes that have the file (or its WAL) open, from {@code /proc/<pid>/fd}, as "pid (command)";
     * the old writer may still be appending to such a file. Processes this user cannot inspect are not seen.
     */
    List<String> holders() {
        Set<Path> ours = Set.copyOf(files());
        long self = ProcessHandle.current().pid();
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid != self && holds(proc, ours)) {
                    out.add(pid + " (" + command(proc) + ")");
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to say
        }
        return out;
    }

    private static boolean holds(Path proc, Set<Path> files) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    if (files.contains(Files.readSymbolicLink(fd))) {
                        return true;
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // closed meanwhile, or not a link
                }
            }
        } catch (IOException | SecurityException e) {
            // gone, or not ours to see
        }
        return false;
    }

    private static String command(Path proc) {
        try {
            return Files.readString(proc.resolve("comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Opens the file read-only; a missing or unreadable file, or one without the old writer's queue, is {@link NotImportable}. */
    Connection open() throws NotImportable {
        if (!Files.isRegularFile(path)) {
            throw new NotImportable("no such file", null);
        }
        try {
            Connection c = SqliteConnections.readOnly(path, 5_000);
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pragma_table_info('queue')"
                         + " WHERE name IN ('id', 'table_name', 'payload', 'created_ts_us')")) {
                rs.next();
                if (rs.getInt(1) != 4) {
                    c.close();
                    throw new NotImportable("not a spool file of the in-process writer (no table queue(id, table_name, payload, created_ts_us))", null);
                }
            }
            return c;
        } catch (SQLException e) {
            throw new NotImportable("cannot read it: " + e.getMessage(), e);
        }
    }

    /** Queued rows and payload bytes, for the progress bar. */
    static long[] size(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(length(payload)), 0) FROM queue")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** Streams every queued row in id order. */
    static void scan(Connection c, RowVisitor visitor) throws SQLException, IOException, InterruptedException {
        try (Statement s = c.createStatement()) {
            s.setFetchSize(1000);
            try (ResultSet rs = s.executeQuery("SELECT id, table_name, payload, created_ts_us FROM queue ORDER BY id")) {
                while (rs.next()) {
                    visitor.accept(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
                }
            }
        }
    }

    /**
     * Deletes, in one transaction, the rows the agent has committed: per table those with ids up to its
     * recorded progress whose payload is a JSON object (rows listed as bad are never imported, so they stay)
     * and that are not in {@code keep} (rows the agent refused in this run). Returns the rows deleted.
     */
    long deleteImported(Map<String, Long> progress, Set<Long> keep) throws IOException {
        String kept = keep.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",", "[", "]"));
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + path)) {
            c.setAutoCommit(false);
            long n = 0;
            try (PreparedStatement d = c.prepareStatement("DELETE FROM queue WHERE table_name = ? AND id <= ?"
                    + " AND json_valid(payload) AND json_type(payload) = 'object'"
                    + " AND id NOT IN (SELECT value FROM json_each(?))")) {
                for (Map.Entry<String, Long> e : progress.entrySet()) {
                    d.setString(1, e.getKey());
                    d.setLong(2, e.getValue());
                    d.setString(3, kept);
                    n += d.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
            return n;
        } catch (SQLException e) {
            throw new IOException("cannot delete imported rows from " + path + ": " + e.getMessage(), e);
        }
    }
}

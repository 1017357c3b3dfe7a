package org.chspool.spool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The start-up check of an existing spool file: is it an SQLite file, is it a chspool spool, does SQLite
 * find its pages sound? Answers {@link Verdict#sound()} or a damaged verdict with the reason; never
 * changes the file. Environment trouble (permissions, the file locked by another process, I/O errors) is
 * NOT damage: it is thrown as a {@link SpoolFileException}, so a healthy file is never moved aside because
 * of a passing problem. A file with a newer schema version is reported sound here (not damaged) so that
 * {@link SpoolSchema#ensure} refuses it with its clear message and nothing is renamed.
 *
 * <p>Cost: {@code PRAGMA quick_check} reads every page, ~1.5 s per GiB, so the full check runs only for
 * files up to {@link #FULL_CHECK_MAX_BYTES}; bigger files get the check of the small tables, the schema
 * and a read of each queued table's first and last rows, keeping start-up time independent of the
 * backlog. Stateless; static methods, any thread.
 */
public final class SpoolIntegrity {
    /** Largest file checked with a full {@code PRAGMA quick_check} at start (about 0.3 s of reading). */
    public static final long FULL_CHECK_MAX_BYTES = 256L << 20;

    private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final List<String> REQUIRED_TABLES = List.of("schema_version", "queue", "id_sequence",
            "table_stats", "quarantine");
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_NOTADB = 26;

    private SpoolIntegrity() {}

    /** The outcome: {@code damage == null} for a usable file. */
    public record Verdict(String damage) {
        static Verdict sound() {
            return new Verdict(null);
        }

        public boolean isDamaged() {
            return damage != null;
        }
    }

    /** Checks {@code file}; a missing or empty file is sound (a new spool is created there). */
    public static Verdict check(Path file) throws SpoolFileException {
        try {
            if (!Files.exists(file) || Files.size(file) == 0) {
                return Verdict.sound();
            }
            byte[] head = new byte[MAGIC.length];
            int n;
            try (InputStream in = Files.newInputStream(file)) {
                n = in.readNBytes(head, 0, head.length);
            }
            if (n < MAGIC.length || !Arrays.equals(head, MAGIC)) {
                return new Verdict("not an SQLite database (file starts with "
                        + printable(Arrays.copyOf(head, n)) + ")");
            }
            return checkDatabase(file, Files.size(file));
        } catch (IOException e) {
            throw new SpoolFileException("cannot read spool file " + file + " to check it: " + e.getMessage(), e);
        }
    }

    private static Verdict checkDatabase(Path file, long size) throws SpoolFileException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
            }
            int version;
            try {
                version = SpoolSchema.version(c);
            } catch (SpoolFileException notASpool) {
                return new Verdict(notASpool.getMessage());
            }
            if (version > SpoolSchema.CURRENT_VERSION) {
                return Verdict.sound(); // SpoolSchema.ensure refuses it with the clear message
            }
            if (version == 0) {
                return Verdict.sound(); // an empty database: the schema gets created
            }
            List<String> missing = new ArrayList<>(REQUIRED_TABLES);
            if (version >= 3) {
                missing.add("quarantine_stats");
            }
            if (version >= 4) {
                missing.add("staging");
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type='table'")) {
                while (rs.next()) {
                    missing.remove(rs.getString(1));
                }
            }
            if (!missing.isEmpty()) {
                return new Verdict("spool schema version " + version + " lacks table(s) " + missing);
            }
            List<String> problems = size <= FULL_CHECK_MAX_BYTES ? quickCheck(c, "PRAGMA quick_check(20)")
                    : partialCheck(c);
            return problems.isEmpty() ? Verdict.sound()
                    : new Verdict("quick_check: " + String.join("; ", problems.subList(0, Math.min(3, problems.size()))));
        } catch (SQLException e) {
            int primary = e.getErrorCode() & 0xff;
            if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
                return new Verdict(e.getMessage());
            }
            throw new SpoolFileException("cannot check spool file " + file + " (not moving it): " + e.getMessage(), e);
        }
    }

    /** Small tables in full, then the first and last queued row of every table (a b-tree walk each). */
    private static List<String> partialCheck(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        for (String t : List.of("sqlite_master", "schema_version", "id_sequence", "table_stats")) {
            problems.addAll(quickCheck(c, "PRAGMA quick_check(" + t + ")"));
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT tbl FROM table_stats")) {
            List<String> tables = new ArrayList<>();
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
            for (String t : tables) {
                for (String order : List.of("ASC", "DESC")) {
                    try (var p = c.prepareStatement("SELECT id, length(payload) FROM queue WHERE tbl = ? ORDER BY id "
                            + order + " LIMIT 1")) {
                        p.setString(1, t);
                        try (ResultSet r = p.executeQuery()) {
                            r.next();
                        }
                    }
                }
            }
        }
        return problems;
    }

    private static List<String> quickCheck(Connection c, String pragma) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(pragma)) {
            while (rs.next()) {
                String line = rs.getString(1);
                if (!"ok".equals(line)) {
                    problems.add(line);
                }
            }
        }
        return problems;
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte x : b) {
            sb.append(x >= 32 && x < 127 ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
        }
        return sb.append('"').toString();
    }
}

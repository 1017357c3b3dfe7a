package org.chspool.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up recovery of a damaged spool file, and the notice it leaves for operators.
 *
 * <p>{@link #atOpen} runs before the spool opens its connections. If {@link SpoolIntegrity} finds the
 * file damaged (corrupt pages, truncated, not SQLite, not a spool), it: records the recovery as in
 * progress in {@code recovery.json}; renames the file and its {@code -wal}/{@code -shm} aside to
 * {@code spool.db.corrupt-<UTC time>} (never deletes it); copies every readable row into
 * {@code spool.db.recovering} ({@link RowSalvage}); records the outcome; and renames the new file into
 * place. A crash at any step resumes at the next start from the record; the agent never loops on a bad
 * file and serves with the rows it could save. A newer schema version is not damage and stays a start-up
 * error. The notice stays until {@link #acknowledge}d, surviving restarts.
 *
 * <p>Thread-safe: the notice methods are synchronized; {@link #atOpen} runs once before any other use.
 */
public final class SpoolRecovery {
    private static final Logger log = LoggerFactory.getLogger(SpoolRecovery.class);
    private static final DateTimeFormatter ASIDE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    /** SQLite's companion files, moved together with the main file. */
    private static final List<String> COMPANIONS = List.of("-wal", "-shm", "-journal");

    private final Path file;
    private final RecoveryMarker marker;
    private final Clock clock;

    private SpoolRecovery(Path file, Clock clock) {
        this.file = file;
        this.marker = new RecoveryMarker(markerFile(file));
        this.clock = clock;
    }

    /** The recovery record of the spool file {@code spoolFile}: {@code recovery.json} beside it. */
    public static Path markerFile(Path spoolFile) {
        return spoolFile.resolveSibling("recovery.json");
    }

    /**
     * Checks the spool file, finishing an interrupted recovery or recovering a damaged file, so that
     * afterwards {@code spoolFile} is absent or a sound spool.
     *
     * @throws SpoolFileException when the file cannot be checked or moved (nothing is lost: it stays)
     */
    public static SpoolRecovery atOpen(Path spoolFile, Clock clock) throws SpoolFileException {
        SpoolRecovery r = new SpoolRecovery(spoolFile, clock);
        r.run();
        return r;
    }

    private void run() throws SpoolFileException {
        RecoveryMarker.Entry entry = marker.read();
        Path building = sibling(".recovering");
        if (entry != null && entry.state() == RecoveryMarker.State.RECOVERED && !Files.exists(file)
                && Files.exists(building)) {
            move(building, file); // crashed just before the last step
        } else if (entry != null && entry.state() == RecoveryMarker.State.IN_PROGRESS) {
            log.warn("resuming the spool recovery interrupted at {} ({})", entry.notice().time(), entry.notice().reason());
            recover(entry.notice());
        }
        SpoolIntegrity.Verdict v = SpoolIntegrity.check(file);
        if (v.isDamaged()) {
            Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            Path aside = freeAsideName(now);
            log.error("spool file {} is damaged: {}; moving it to {} and recovering its readable rows", file,
                    v.damage(), aside);
            recover(new RecoveryNotice(now, v.damage(), 0, -1, 0, aside.toString()));
        }
        RecoveryNotice n = notice();
        if (n != null) {
            log.error("DEGRADED: {}", n.summary());
        }
    }

    /** Steps 1-5 (see the class comment) for {@code pending}, idempotent up to the final rename. */
    private void recover(RecoveryNotice pending) throws SpoolFileException {
        marker.write(new RecoveryMarker.Entry(RecoveryMarker.State.IN_PROGRESS, pending, null));
        Path aside = Path.of(pending.fileAside());
        for (String suffix : COMPANIONS) {
            Path from = sibling(suffix);
            if (Files.exists(from)) {
                move(from, Path.of(aside + suffix));
            }
        }
        if (Files.exists(file)) {
            move(file, aside);
        }
        restrictAll(aside); // the rows kept aside are spool data: owner and group only, like the spool
        Path building = sibling(".recovering");
        RowSalvage.Result salvaged;
        try {
            for (String suffix : SpoolFiles.SUFFIXES) {
                Files.deleteIfExists(Path.of(building + suffix));
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + building.toAbsolutePath())) {
                SpoolSchema.ensure(c);
                salvaged = Files.exists(aside) ? RowSalvage.copy(aside, c) : new RowSalvage.Result(0, -1, 0);
            }
        } catch (IOException | SQLException e) {
            throw new SpoolFileException("recovering rows from " + aside + " into " + building + " failed: " + e.getMessage()
                    + "; the damaged file stays at " + aside + " and recovery resumes at the next start", e);
        }
        RecoveryNotice done = new RecoveryNotice(pending.time(), pending.reason(), salvaged.queueRows(),
                salvaged.expectedRows(), salvaged.quarantineRows(), pending.fileAside());
        marker.write(new RecoveryMarker.Entry(RecoveryMarker.State.RECOVERED, done, null));
        move(building, file);
        log.error("spool recovered: {} queued row(s) of {} and {} quarantined row(s) read back from {}",
                done.rowsRecovered(), done.rowsExpected() < 0 ? "unknown" : done.rowsExpected(),
                done.quarantineRecovered(), aside);
    }

    /** The unacknowledged recovery notice, or null when there is none (the agent is not DEGRADED by it). */
    public synchronized RecoveryNotice notice() throws SpoolFileException {
        RecoveryMarker.Entry e = marker.read();
        return e == null || e.acknowledgedAt() != null ? null : e.notice();
    }

    /**
     * Marks the notice as seen by an operator; the record stays (with {@code acknowledged_at}) for
     * history. Returns the notice acknowledged, or null when there was none.
     */
    public synchronized RecoveryNotice acknowledge() throws SpoolFileException {
        RecoveryMarker.Entry e = marker.read();
        if (e == null || e.acknowledgedAt() != null) {
            return null;
        }
        marker.write(new RecoveryMarker.Entry(e.state(), e.notice(), clock.instant()));
        log.info("spool recovery of {} acknowledged", e.notice().time());
        return e.notice();
    }

    private Path freeAsideName(Instant now) {
        String base = file.getFileName() + ".corrupt-" + ASIDE_TIME.format(now);
        Path p = file.resolveSibling(base);
        for (int i = 1; Files.exists(p) || Files.exists(Path.of(p + "-wal")); i++) {
            p = file.resolveSibling(base + "-" + i);
        }
        return p;
    }

    private static void restrictAll(Path sqliteFile) throws SpoolFileException {
        try {
            Spool.restrictSpoolFiles(sqliteFile);
        } catch (IOException e) {
            throw new SpoolFileException(e.getMessage(), e);
        }
    }

    private Path sibling(String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    private static void move(Path from, Path to) throws SpoolFileException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            RecoveryMarker.syncDirectory(to.getParent());
        } catch (IOException e) {
            throw new SpoolFileException("cannot move " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }
}

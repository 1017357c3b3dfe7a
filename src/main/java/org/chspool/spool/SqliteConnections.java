package org.chspool.spool;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.chspool.config.AgentConfig;
import org.sqlite.SQLiteConfig;

/**
 * Opens SQLite connections to the spool file with the pragmas each role needs. Every connection is
 * used by one thread at a time; the roles are: the group-commit writer (the only one that writes queue
 * rows), the reader (replayer and status), maintenance (checkpoint, vacuum) and read-only inspection
 * by {@code spoolctl} while an agent may be running.
 */
public final class SqliteConnections {
    private SqliteConnections() {}

    static Connection writer(Path file, AgentConfig.Sync sync) throws SQLException {
        SQLiteConfig c = base(sync, 5_000);
        return open(file, c);
    }

    static Connection reader(Path file, AgentConfig.Sync sync) throws SQLException {
        SQLiteConfig c = base(sync, 5_000);
        return open(file, c);
    }

    static Connection maintenance(Path file, AgentConfig.Sync sync) throws SQLException {
        SQLiteConfig c = base(sync, 30_000);
        return open(file, c);
    }

    /** Read-only; never creates the file, never changes journal mode, waits at most {@code busyMs}. */
    public static Connection readOnly(Path file, int busyMs) throws SQLException {
        SQLiteConfig c = new SQLiteConfig();
        c.setReadOnly(true);
        c.setBusyTimeout(busyMs);
        c.setOpenMode(org.sqlite.SQLiteOpenMode.READONLY);
        return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), c.toProperties());
    }

    private static SQLiteConfig base(AgentConfig.Sync sync, int busyMs) {
        SQLiteConfig c = new SQLiteConfig();
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        c.setSynchronous(sync == AgentConfig.Sync.FULL ? SQLiteConfig.SynchronousMode.FULL
                : SQLiteConfig.SynchronousMode.NORMAL);
        c.setBusyTimeout(busyMs);
        c.setTempStore(SQLiteConfig.TempStore.MEMORY);
        c.setCacheSize(-16_384); // 16 MiB page cache
        return c;
    }

    private static Connection open(Path file, SQLiteConfig c) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), c.toProperties());
    }
}

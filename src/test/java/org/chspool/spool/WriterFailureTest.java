package org.chspool.spool;

import static org.chspool.spool.SpoolTest.T;
import static org.chspool.spool.SpoolTest.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.chspool.config.AgentConfig;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hardening B2: a failure inside a writer transaction that is not an SQLException (a bug, an Error) must
 * roll back and fail exactly the requests it concerns; it must never leave the transaction open (every
 * later BEGIN failing) or kill the writer thread silently (every later put hanging until busy).
 */
class WriterFailureTest {
    @TempDir
    Path dir;

    /** An op that throws {@code t} inside the writer's transaction, after writing a row of its own. */
    private static WriteOp<Integer> throwing(Throwable t) {
        return new WriteOp<>() {
            @Override
            Integer apply(Connection c, WriteContext ctx) throws java.sql.SQLException {
                try (var s = c.createStatement()) {
                    s.execute("INSERT INTO table_stats (tbl, rows, bytes) VALUES ('x.half_done', 1, 1)");
                }
                if (t instanceof RuntimeException r) {
                    throw r;
                }
                throw (Error) t;
            }
        };
    }

    @Test
    void aRuntimeExceptionInAnOpFailsThatOpAndTheWriterGoesOn() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = Spool.open(cfg)) {
            CompletableFuture<Integer> bad = spool.submitForTest(throwing(new IllegalStateException("injected bug")));
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("injected bug"), e.getCause().toString());
            assertEquals(1, spool.append(T, row(1)).get(5, TimeUnit.SECONDS), "the next put is committed");
            assertNull(spool.writerFailure());
        }
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + cfg.spoolFile());
             var s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM table_stats WHERE tbl = 'x.half_done'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the failed op's own write was rolled back");
        }
        try (Spool spool = Spool.open(cfg)) {
            assertEquals(1, spool.queuedRows());
        }
    }

    @Test
    void anErrorStopsTheWriterAndLaterPutsFailFastWithIoError() throws Exception {
        AgentConfig cfg = TestConfigs.forDir(dir);
        try (Spool spool = Spool.open(cfg)) {
            CompletableFuture<Integer> bad = spool.submitForTest(throwing(new Error("injected error")));
            assertThrows(ExecutionException.class, () -> bad.get(5, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> spool.append(T, row(2)).get(5, TimeUnit.SECONDS));
            Rejection r = assertInstanceOf(Rejection.class, e.getCause());
            assertEquals(RejectReason.IO_ERROR, r.reason());
            assertTrue(r.getMessage().contains("injected error"), r.getMessage());
            assertTrue(System.nanoTime() - t0 < cfg.putTimeout().toNanos(),
                    "answered at once, not after the put timeout");
            assertNotNull(spool.writerFailure());
            assertTrue(spool.writerFailure().contains("injected error"), spool.writerFailure());
        }
    }
}

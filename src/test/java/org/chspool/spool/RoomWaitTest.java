package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Puts that find the writer's queue full wait for room and are granted it in the order they began to wait. */
@Timeout(60)
class RoomWaitTest {
    @TempDir
    Path dir;

    private static final TableName T = TableName.ofStored("default.t");

    private static List<byte[]> rows(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private Spool open() throws Exception {
        return Spool.open(TestConfigs.forDir(dir, "CH_ADMISSION_QUEUE_ROWS", "100", "CH_PUT_TIMEOUT_MS", "30000"));
    }

    @Test
    void waitsAreGrantedRoomInTheOrderTheyBeganAndANewPutQueuesBehindThem() throws Exception {
        try (Spool spool = open();
             Connection lock = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"))) {
            try (Statement s = lock.createStatement()) {
                s.execute("BEGIN IMMEDIATE"); // the writer cannot commit: the queue stays full
            }
            CompletableFuture<Integer> fill = spool.appendAll(T, rows(100));
            Semaphore wakes = new Semaphore(0);
            RoomWait first = ((Spool.Offer.Waiting) spool.offer(T, rows(100), wakes::release)).roomWait();
            RoomWait second = ((Spool.Offer.Waiting) spool.offer(T, rows(100), wakes::release)).roomWait();
            // Not waiting itself, a plain append finds others waiting ahead of it: busy at once.
            ExecutionException busy = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> spool.appendAll(T, rows(1)).get());
            assertEquals(RejectReason.BUSY, assertInstanceOf(Rejection.class, busy.getCause()).reason());
            try (Statement s = lock.createStatement()) {
                s.execute("ROLLBACK");
            }
            assertEquals(100, fill.get());
            while (!first.granted()) {
                assertTrue(wakes.tryAcquire(10, TimeUnit.SECONDS), "the first wait was never woken");
            }
            assertFalse(second.granted(), "the room fits one wait: the first");
            assertEquals(100, first.take().get());
            while (!second.granted()) {
                assertTrue(wakes.tryAcquire(10, TimeUnit.SECONDS), "the second wait was never woken");
            }
            assertEquals(100, second.take().get());
            assertEquals(300, spool.queuedRows());
        }
    }

    @Test
    void aWaitThatGivesUpIsRefusedBusyAndAnAbandonedGrantGivesItsRoomBack() throws Exception {
        try (Spool spool = open();
             Connection lock = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"))) {
            try (Statement s = lock.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
            CompletableFuture<Integer> fill = spool.appendAll(T, rows(100));
            Semaphore wakes = new Semaphore(0);
            RoomWait gaveUp = ((Spool.Offer.Waiting) spool.offer(T, rows(50), wakes::release)).roomWait();
            RoomWait abandoned = ((Spool.Offer.Waiting) spool.offer(T, rows(100), wakes::release)).roomWait();
            ExecutionException busy = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> gaveUp.giveUp().get());
            Rejection r = assertInstanceOf(Rejection.class, busy.getCause());
            assertEquals(RejectReason.BUSY, r.reason());
            assertTrue(r.retryAfterMs() > 0);
            try (Statement s = lock.createStatement()) {
                s.execute("ROLLBACK");
            }
            assertEquals(100, fill.get());
            while (!abandoned.granted()) {
                assertTrue(wakes.tryAcquire(10, TimeUnit.SECONDS), "the wait was never woken");
            }
            abandoned.abandon();
            // Its 100 rows of room are free again: a put of 100 rows is taken at once.
            assertInstanceOf(Spool.Offer.Taken.class, spool.offer(T, rows(100), () -> { })).result().get();
            assertEquals(200, spool.queuedRows());
        }
    }
}

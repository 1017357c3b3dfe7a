package org.chspool.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.testing.Eventually;
import org.chspool.testing.OpenFiles;
import org.chspool.testing.TestConfigs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk reserve is checked by every put thread, but probes the disk (statfs and the file's free pages,
 * on its own read-only connection) from one thread at a time: a second thread meanwhile uses the last
 * values, and close waits for a probe in progress, so the connection is never used by two threads and
 * never opened after close. Manual clock, latches.
 */
class DiskReserveTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @TempDir
    Path dir;
    Path file;
    final AtomicLong now = new AtomicLong(1_000 * SECOND);

    @BeforeEach
    void createSpoolFile() throws Exception {
        Spool.open(TestConfigs.forDir(dir)).close();
        file = dir.resolve("spool.db");
    }

    /** A filesystem probe that holds its first caller until released and counts callers inside it. */
    static final class HeldProbe implements FreeSpaceProbe {
        final CountDownLatch firstInside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger mostInside = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public long freeBytes(Path path) {
            int n = inside.incrementAndGet();
            mostInside.accumulateAndGet(n, Math::max);
            try {
                if (calls.getAndIncrement() == 0) {
                    firstInside.countDown();
                    release.await(10, TimeUnit.SECONDS);
                }
                return 1L << 40;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1L << 40;
            } finally {
                inside.decrementAndGet();
            }
        }
    }

    /** A filesystem probe whose answer the test sets, counting its calls. */
    static final class SetProbe implements FreeSpaceProbe {
        final AtomicLong free = new AtomicLong();
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public long freeBytes(Path path) {
            calls.incrementAndGet();
            return free.get();
        }
    }

    @Test
    void putsRefusedForAFullDiskAreAcceptedAgainAtOnceWhenDeletesFreeRoomNotAProbeIntervalLater() {
        SetProbe probe = new SetProbe();
        DiskReserve reserve = new DiskReserve(file, probe, now::get);
        probe.free.set(DiskReserve.MIN_RESERVE_BYTES / 2);
        assertTrue(reserve.refusal(100) != null, "refused: below the reserve");

        probe.free.set(1L << 30); // the replayer's deletes made room; the clock has not moved
        assertTrue(reserve.refusal(100) != null, "until the spool says rows left, the last probe stands");
        reserve.roomFreed();
        assertNull(reserve.refusal(100), "accepted at once after the deletes' commit");
        reserve.close();
    }

    @Test
    void deletesWhileNothingIsRefusedCauseNoExtraProbes() {
        SetProbe probe = new SetProbe();
        probe.free.set(1L << 30);
        DiskReserve reserve = new DiskReserve(file, probe, now::get);
        assertNull(reserve.refusal(100));
        for (int i = 0; i < 100; i++) {
            reserve.roomFreed();
            assertNull(reserve.refusal(100));
        }
        assertEquals(1, probe.calls.get(), "one probe per interval, as without deletes");
        reserve.close();
    }

    @Test
    void aSecondThreadUsesTheLastValuesWhileAProbeIsInProgress() throws Exception {
        HeldProbe probe = new HeldProbe();
        DiskReserve reserve = new DiskReserve(file, probe, now::get);
        Thread first = new Thread(() -> reserve.refusal(100), "put-1");
        first.start();
        assertTrue(probe.firstInside.await(10, TimeUnit.SECONDS));

        now.addAndGet(SECOND); // the probe interval passes while the first probe is still running
        assertNull(reserve.refusal(100), "the second put is answered without waiting for the probe");

        probe.release.countDown();
        first.join(10_000);
        assertEquals(1, probe.mostInside.get(), "never two probes at once (they share one connection)");
        reserve.close();
    }

    @Test
    void closeDuringAProbeLeavesNoConnectionOpen() throws Exception {
        HeldProbe probe = new HeldProbe();
        DiskReserve reserve = new DiskReserve(file, probe, now::get);
        Thread put = new Thread(() -> reserve.refusal(100), "put-1");
        put.start();
        assertTrue(probe.firstInside.await(10, TimeUnit.SECONDS));

        Thread closer = new Thread(reserve::close, "spool-close");
        closer.start();
        // close has returned, or waits for the probe: either way it ran before the probe goes on
        Eventually.await(Duration.ofSeconds(10), "close returned or waiting",
                () -> closer.getState() == Thread.State.TERMINATED || closer.getState() == Thread.State.WAITING);
        probe.release.countDown();
        put.join(10_000);
        closer.join(10_000);

        assertEquals(0, OpenFiles.handlesTo(file), "the probe's connection is closed, not opened after close");
    }

    @Test
    void afterCloseTheReserveNoLongerOpensAConnection() throws Exception {
        DiskReserve reserve = new DiskReserve(file, p -> 1L << 40, now::get);
        assertNull(reserve.refusal(100));
        reserve.close();
        now.addAndGet(SECOND);
        assertNull(reserve.refusal(100));
        assertEquals(0, OpenFiles.handlesTo(file));
    }
}

package org.chspool.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadsTest {
    @Test
    void aThreadEndedByAnExceptionIsCountedUnderItsRoleWithoutItsNumber() throws Exception {
        long before = Threads.deaths().getOrDefault("threads-test-dying", 0L);
        Thread t = Threads.daemon("threads-test-dying-3", () -> {
            throw new IllegalStateException("a bug");
        });
        t.start();
        t.join(10_000);
        assertEquals(before + 1, Threads.deaths().get("threads-test-dying"));
    }

    @Test
    void aThreadThatReturnsIsNotCounted() throws Exception {
        Thread t = Threads.daemon("threads-test-returns", () -> {});
        assertTrue(t.isDaemon());
        t.start();
        t.join(10_000);
        assertTrue(!Threads.deaths().containsKey("threads-test-returns"));
    }

    @Test
    void poolThreadsAreNumberedFromOneAndSingleExecutorThreadsKeepTheName() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2, Threads.numbered("threads-test-pool"));
        ExecutorService single = Executors.newSingleThreadExecutor(Threads.named("threads-test-single"));
        try {
            CountDownLatch both = new CountDownLatch(2);
            var first = pool.submit(() -> {
                both.countDown();
                both.await(10, TimeUnit.SECONDS);
                return Thread.currentThread().getName();
            });
            var second = pool.submit(() -> {
                both.countDown();
                both.await(10, TimeUnit.SECONDS);
                return Thread.currentThread().getName();
            });
            assertEquals(java.util.Set.of("threads-test-pool-1", "threads-test-pool-2"),
                    java.util.Set.of(first.get(10, TimeUnit.SECONDS), second.get(10, TimeUnit.SECONDS)));
            assertEquals("threads-test-single", single.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
            single.shutdownNow();
        }
    }

    @Test
    void aRoleIsTheNameWithoutATrailingNumber() {
        assertEquals("replay-sender", Threads.role("replay-sender-12"));
        assertEquals("spool-writer", Threads.role("spool-writer"));
        assertEquals("spool-client-reader unix:/run/x.sock", Threads.role("spool-client-reader unix:/run/x.sock"));
    }
}

package org.chspool.replay;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** A wake-up flag a thread can wait on with a deadline; a signal sent while nobody waits is kept. */
final class Signal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition cond = lock.newCondition();
    private boolean raised;

    void raise() {
        lock.lock();
        try {
            raised = true;
            cond.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until raised or {@code nanos} passed; clears the flag. */
    void await(long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (!raised && left > 0) {
                left = cond.awaitNanos(left);
            }
            raised = false;
        } finally {
            lock.unlock();
        }
    }

    static long millis(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }
}

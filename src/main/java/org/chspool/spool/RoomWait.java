package org.chspool.spool;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A put waiting for room in the spool writer's queue ({@link Spool#offer}). Waits are granted room in the
 * order they began, by the writer as its commits free room: so under overload every connection gets its
 * turn, and none starves behind others that happened to be read first. A granted wait holds its room until
 * {@link #take}n; one that gave up ({@link #giveUp}) before its grant is refused as busy.
 *
 * <p>Callers use {@link #resolve} when woken and {@link #abandon} when their connection is gone.
 * Threading: both by the one thread that owns the put;
 * the grant is made by the writer or the sweeper thread, decided by a CAS, so room is never both granted
 * and refused.
 */
public final class RoomWait {
    static final int WAITING = 0;
    static final int GRANTED = 1;
    static final int GAVE_UP = 2;

    final TableName table;
    final List<byte[]> rows;
    final long bytes;
    final long[] createdUs;
    final ImportMark mark;
    final Runnable wake;
    private final Spool spool;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    private final long startedNanos = System.nanoTime();
    private boolean done;

    RoomWait(Spool spool, TableName table, List<byte[]> rows, long bytes, long[] createdUs, ImportMark mark,
             Runnable wake) {
        this.spool = spool;
        this.table = table;
        this.rows = rows;
        this.bytes = bytes;
        this.createdUs = createdUs;
        this.mark = mark;
        this.wake = wake;
    }

    /** Writer side: the room was reserved for this wait; false if it gave up first (then release the room). */
    boolean grant() {
        return state.compareAndSet(WAITING, GRANTED);
    }

    boolean isWaiting() {
        return state.get() == WAITING;
    }

    /** Whether room was granted: then {@link #take} it. */
    boolean granted() {
        return state.get() == GRANTED;
    }

    /**
     * What became of the wait, if anything yet: the put handed to the writer in its granted room
     * ({@link #take}), or refused busy because the wait is {@link #hopeless} ({@link #giveUp}, which still
     * takes room granted just then); empty while the put should go on waiting. Call it when woken; once it
     * returned a result, the wait is over. The one rule for every kind of caller (a put connection, an HTTP
     * handler thread).
     */
    public Optional<CompletableFuture<Integer>> resolve() {
        if (granted()) {
            return Optional.of(take());
        }
        return hopeless() ? Optional.of(giveUp()) : Optional.empty();
    }

    /**
     * Whether waiting on is pointless: the writer is stuck (it has been trying to get a transaction
     * through for a whole put timeout), or this put has waited the whole put timeout. Then {@link #giveUp}. While the
     * writer commits, a put waits its turn: the waits ahead of it are at most one per connection.
     */
    private boolean hopeless() {
        return spool.writerStuck() || System.nanoTime() - startedNanos >= spool.putTimeoutNanos();
    }

    /** Hands the rows to the writer in the granted room; the future completes once they are committed. */
    CompletableFuture<Integer> take() {
        if (!granted() || done) {
            throw new IllegalStateException("no room was granted to this put");
        }
        done = true;
        return spool.submitGranted(this);
    }

    /**
     * Stops waiting: the put is refused as busy, with a retry hint from the writer's rate, and nothing of it
     * is written; unless room was granted meanwhile, then it is taken as {@link #take} would.
     */
    CompletableFuture<Integer> giveUp() {
        if (state.compareAndSet(WAITING, GAVE_UP)) {
            done = true;
            return spool.refuseBusy(rows.size());
        }
        return take();
    }

    /** The put's connection is gone: stop waiting, or give back granted room unused; nothing is written. */
    public void abandon() {
        if (!state.compareAndSet(WAITING, GAVE_UP) && !done) {
            done = true;
            spool.releaseGranted(this);
        }
    }
}

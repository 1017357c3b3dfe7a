package org.chspool.spool;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The changes to frozen batches behind {@link Spool}'s freeze, delivered, split, dropDuplicates,
 * quarantine, quarantinePrefix and refreeze: each is ONE writer transaction that applies the row change
 * (delete, quarantine, none), drops the old record and freezes the successors, so a batch's rows and its
 * record never disagree. A quarantine over {@code CH_QUARANTINE_MAX_BYTES} refuses as a whole
 * ({@link QuarantineOutcome.Refused}) and the transaction then changes nothing.
 *
 * <p>Threading: thread-safe; it only submits ops to the writer, and the futures complete on the writer
 * thread.
 */
final class BatchChanges {
    private final GroupCommitWriter writer;
    private final String instanceId;
    private final SpoolCounters counters;
    private final LongSupplier nowMicros;
    private final long quarantineMaxBytes;

    BatchChanges(GroupCommitWriter writer, String instanceId, SpoolCounters counters, LongSupplier nowMicros,
                 long quarantineMaxBytes) {
        this.writer = writer;
        this.instanceId = instanceId;
        this.counters = counters;
        this.nowMicros = nowMicros;
        this.quarantineMaxBytes = quarantineMaxBytes;
    }

    CompletableFuture<QuarantineOutcome> quarantine(SpoolBatch batch, String error, String reason) {
        return writer.submitOp(quarantineOp(0, batch, error, reason)).future.thenApply(o -> counted(o, batch.size()));
    }

    CompletableFuture<FrozenBatch> freeze(SpoolBatch rows) {
        return replace(null, null, List.of(rows), 0).thenApply(r -> r.successors().get(0));
    }

    /**
     * Rows of an accepted batch deleted between two looks at the appends waiting. A 50,000-row delete holds
     * the writer for 50-150 ms (SQLite deletes row by row); appends queued meanwhile go next after the chunk.
     */
    static final int DELETE_CHUNK_ROWS = 2_000;

    /**
     * The batch was accepted: its rows and record leave the spool, in one transaction while no appends
     * wait; when appends arrive, after the current chunk of {@link #DELETE_CHUNK_ROWS} rows the batch is
     * marked delivered, the transaction commits (the appends go next), and the rest follows in later
     * transactions, the record with the last rows ({@link SpoolOps.DeleteDelivered}). So appends never wait
     * behind a large delete, and an idle writer pays one commit (one fsync with CH_SYNC=FULL) per batch. A
     * restart in between finds the mark: the batch is never sent again, only what is left of it deleted.
     * Completes with the rows removed.
     */
    CompletableFuture<Integer> delivered(FrozenBatch b) {
        return deleteDelivered(b, 0, 0);
    }

    private CompletableFuture<Integer> deleteDelivered(FrozenBatch b, int from, int removedSoFar) {
        return writer.submitOp(new SpoolOps.DeleteDelivered(b, from, DELETE_CHUNK_ROWS)).future.thenCompose(r -> {
            int removed = removedSoFar + r[0];
            return r[1] >= b.size() ? CompletableFuture.completedFuture(removed) : deleteDelivered(b, r[1], removed);
        });
    }

    CompletableFuture<QuarantineOutcome> quarantine(FrozenBatch b, String error, String reason) {
        return quarantining(b, b.rows(), List.of(), error, reason);
    }

    CompletableFuture<List<FrozenBatch>> split(FrozenBatch b, int at) {
        SpoolBatch rows = b.rows();
        return replace(b, null, List.of(rows.slice(0, at), rows.slice(at, rows.size())), b.id())
                .thenApply(Spool.Replacement::successors);
    }

    CompletableFuture<Spool.Replacement> dropDuplicates(FrozenBatch b, int[] positions) {
        return replace(b, delete(b.table(), b.rows().select(positions)), rest(b.rows(), positions), b.id());
    }

    CompletableFuture<QuarantineOutcome> quarantinePrefix(FrozenBatch b, int n, String error, String reason) {
        SpoolBatch rows = b.rows();
        List<SpoolBatch> rest = n == rows.size() ? List.of() : List.of(rows.slice(n, rows.size()));
        return quarantining(b, rows.slice(0, n), rest, error, reason);
    }

    CompletableFuture<FrozenBatch> refreeze(FrozenBatch b) {
        return replace(b, null, List.of(b.rows()), b.id()).thenApply(r -> r.successors().get(0));
    }

    private CompletableFuture<QuarantineOutcome> quarantining(FrozenBatch b, SpoolBatch rows, List<SpoolBatch> rest,
                                                              String error, String reason) {
        return change(b, quarantineOp(b.id(), rows, error, reason), rest, b.id()).thenApply(c ->
                counted(c.rowResult() instanceof QuarantineOutcome.Moved m
                        ? new QuarantineOutcome.Moved(m.rows(), c.successors().isEmpty() ? Optional.empty()
                                : Optional.of(c.successors().get(0)))
                        : (QuarantineOutcome) c.rowResult(), rows.size()));
    }

    private QuarantineOutcome counted(QuarantineOutcome o, int rows) {
        if (o instanceof QuarantineOutcome.Moved m) {
            counters.rowsQuarantined.add(m.rows());
        } else {
            counters.quarantineRefusedRows.add(rows);
        }
        return o;
    }

    private static List<SpoolBatch> rest(SpoolBatch rows, int[] dropped) {
        int[] keep = new int[rows.size() - dropped.length];
        int k = 0;
        int d = 0;
        for (int i = 0; i < rows.size(); i++) {
            if (d < dropped.length && dropped[d] == i) {
                d++;
            } else {
                keep[k++] = i;
            }
        }
        return k == 0 ? List.of() : List.of(rows.select(keep));
    }

    private static WriteOp<Integer> delete(TableName table, SpoolBatch rows) {
        return new SpoolOps.Delete(table.qualified(), rows.ids(), rows.bytes());
    }

    /** @param batchId the frozen batch whose attempts the rows carry into the quarantine; 0 for none */
    private WriteOp<QuarantineOutcome> quarantineOp(long batchId, SpoolBatch rows, String error, String reason) {
        return new SpoolOps.Quarantine(batchId, rows.table().qualified(), rows.ids(), rows.bytes(), error, reason,
                nowMicros.getAsLong(), quarantineMaxBytes);
    }

    /** {@link #change} for row changes that always apply (delete, none): rows removed and successors. */
    private CompletableFuture<Spool.Replacement> replace(FrozenBatch old, WriteOp<Integer> rowChange,
                                                         List<SpoolBatch> successors, long parentId) {
        return change(old, rowChange, successors, parentId).thenApply(c ->
                new Spool.Replacement(c.rowResult() == null ? 0 : (Integer) c.rowResult(), c.successors()));
    }

    /** What one {@link #change} did: the row change's result (null without one), and the batches frozen. */
    private record Change(Object rowResult, List<FrozenBatch> successors) {}

    /**
     * One transaction: apply {@code rowChange} (if any), drop {@code old}'s record (if any), freeze
     * {@code successors} (split from {@code parentId}, 0 for none), which inherit {@code old}'s failed
     * attempts. The row change goes first: if it refuses ({@link QuarantineOutcome.Refused}) nothing else
     * is done and the old record stays.
     */
    private CompletableFuture<Change> change(FrozenBatch old, WriteOp<?> rowChange, List<SpoolBatch> successors,
                                             long parentId) {
        long[] sums = new long[successors.size()];
        for (int i = 0; i < sums.length; i++) {
            sums[i] = FrozenBatch.checksumOf(successors.get(i).payloads());
        }
        List<WriteOp<?>> parts = new ArrayList<>(3);
        if (rowChange != null) {
            parts.add(rowChange);
        }
        if (!successors.isEmpty()) {
            // Replaces old's record: the successors inherit its failed attempts (schema 8).
            parts.add(new SpoolOps.AddBatches(successors, sums, parentId, old == null ? 0 : old.id(),
                    nowMicros.getAsLong()));
        } else if (old != null) {
            parts.add(new SpoolOps.RemoveBatch(old.id()));
        }
        return writer.submitOp(new SpoolOps.All(parts)).future.thenApply(results -> {
            Object rowResult = rowChange == null ? null : results.get(0);
            if (rowResult instanceof QuarantineOutcome.Refused) {
                return new Change(rowResult, List.of());
            }
            List<FrozenBatch> frozen = new ArrayList<>(successors.size());
            if (!successors.isEmpty()) {
                long[] ids = (long[]) results.get(results.size() - 1);
                for (int i = 0; i < ids.length; i++) {
                    frozen.add(FrozenBatch.of(ids[i], instanceId, successors.get(i), sums[i]));
                }
            }
            return new Change(rowResult, List.copyOf(frozen));
        });
    }
}

package org.chspool.spool;

import java.util.List;

/**
 * The oldest rows of one table, in id order: what one ClickHouse insert carries. Ids are contiguous
 * in the table's order (every queued row of the table between the first and last id is included), which
 * lets {@link Spool#delete} remove a delivered batch with one range statement. Immutable view; the
 * arrays must not be modified.
 */
public record SpoolBatch(TableName table, long[] ids, List<byte[]> payloads, int[] attempts, long[] createdUs,
                         long bytes) {
    public int size() {
        return ids.length;
    }

    public boolean isEmpty() {
        return ids.length == 0;
    }

    /** The rows {@code [from, to)} as a batch of their own (for bisection). */
    public SpoolBatch slice(int from, int to) {
        long bytesOf = 0;
        for (int i = from; i < to; i++) {
            bytesOf += payloads.get(i).length;
        }
        return new SpoolBatch(table, java.util.Arrays.copyOfRange(ids, from, to), payloads.subList(from, to),
                java.util.Arrays.copyOfRange(attempts, from, to), java.util.Arrays.copyOfRange(createdUs, from, to),
                bytesOf);
    }

    /** The rows at the given positions (ascending) as a batch of their own. */
    public SpoolBatch select(int[] positions) {
        long[] i2 = new long[positions.length];
        int[] a2 = new int[positions.length];
        long[] c2 = new long[positions.length];
        List<byte[]> p2 = new java.util.ArrayList<>(positions.length);
        long b = 0;
        for (int k = 0; k < positions.length; k++) {
            int i = positions[k];
            i2[k] = ids[i];
            a2[k] = attempts[i];
            c2[k] = createdUs[i];
            p2.add(payloads.get(i));
            b += payloads.get(i).length;
        }
        return new SpoolBatch(table, i2, p2, a2, c2, b);
    }
}

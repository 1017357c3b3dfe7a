package org.chspool.spool;

import java.util.List;
import java.util.zip.CRC32C;

/**
 * A batch whose identity is committed in the spool before its first send: every resend — after a lost
 * answer, a timeout, a restart, {@code kill -9}, or to another replica — carries exactly these rows in
 * this order as one block, so ClickHouse can recognise a repeat (replicated tables compare block
 * hashes; servers with {@code insert_deduplication_token} compare {@link #token()}). New rows never join
 * it; it leaves the spool with its rows, in one transaction, when ClickHouse accepted them, or is
 * replaced by frozen children (bisection) or by its remainder (rows deduplicated or quarantined).
 *
 * <p>Immutable. {@link #rows()} are the rows as read; {@link #isIntact()} says whether they still match
 * what was frozen (they always do, unless the file was damaged and salvaged).
 *
 * @param id the batch record's id (never reused)
 * @param spoolInstance the spool file's identity, part of the token
 * @param rows the rows, in id order; every queued row of the table between the first and last id
 * @param firstId the first spool id of the frozen range
 * @param lastId the last spool id of the frozen range
 * @param frozenRows how many rows were frozen
 * @param frozenChecksum {@link #checksumOf} of the payloads when frozen
 * @param delivered ClickHouse accepted it and its rows were being deleted (in chunks) when the agent
 *                  stopped: it must never be sent again, only what is left of it deleted
 */
public record FrozenBatch(long id, String spoolInstance, SpoolBatch rows, long firstId, long lastId, int frozenRows,
                          long frozenChecksum, boolean delivered) {
    /** A batch frozen just now from {@code rows}. */
    static FrozenBatch of(long id, String spoolInstance, SpoolBatch rows, long checksum) {
        return new FrozenBatch(id, spoolInstance, rows, rows.ids()[0], rows.ids()[rows.size() - 1], rows.size(), checksum,
                false);
    }

    public TableName table() {
        return rows.table();
    }

    public int size() {
        return rows.size();
    }

    /** Whether the rows read back are exactly the rows frozen (count and checksum). */
    public boolean isIntact() {
        return rows.size() == frozenRows && checksumOf(rows.payloads()) == frozenChecksum;
    }

    /**
     * The insert's idempotency token ({@code insert_deduplication_token}): stable across restarts and
     * replicas because it is made of what was committed — the spool's identity, the id range, the row
     * count and the body's checksum. Two different batches never share one: ids are never reused.
     */
    public String token() {
        return "chspool-" + spoolInstance + "-" + firstId() + "-" + lastId() + "-" + frozenRows + "-"
                + Long.toHexString(frozenChecksum);
    }

    /** CRC32C of the payloads as sent: each followed by {@code '\n'}. */
    public static long checksumOf(List<byte[]> payloads) {
        CRC32C crc = new CRC32C();
        for (byte[] p : payloads) {
            crc.update(p);
            crc.update('\n');
        }
        return crc.getValue();
    }

    @Override
    public String toString() {
        return "FrozenBatch[" + id + " " + table().qualified() + " ids " + firstId() + ".." + lastId() + ", "
                + size() + " rows]";
    }
}

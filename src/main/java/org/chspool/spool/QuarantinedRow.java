package org.chspool.spool;

/**
 * One row in the quarantine, with why it is there. Immutable.
 *
 * @param payload the stored payload as text (with its shape tag, see {@link ShapedPayload})
 * @param bytes   the stored payload as stored (binary rows and blocks)
 */
public record QuarantinedRow(long id, String table, String payload, int attempts, String firstError,
                             String lastError, String reason, long createdUs, long quarantinedUs, byte[] bytes) {
    /** The row as the client sent it (a TSV line, a CSV record, a JSON object or array). */
    public String row() {
        return ShapedPayload.rowText(payload);
    }

    /** The size of the row (or block) as sent, without the tag. */
    public int rowBytes() {
        return bytes.length - ShapedPayload.tagLength(bytes);
    }

    /** The id of the row's {@link InsertShape} (0: a compact JSON object). */
    public int shapeId() {
        return ShapedPayload.shapeOf(bytes);
    }
}

package org.chspool.spool;

import java.nio.charset.StandardCharsets;

/**
 * The layout of a queue payload that carries an {@link InsertShape} other than shape 0: the bytes
 * {@code 0x01}, the shape id in decimal ASCII, {@code 0x02}, then the row exactly as the client sent it.
 * A payload of shape 0 is a compact JSON object and starts with <code>{</code>, so old files and put-protocol
 * rows need no rewrite.
 *
 * <p>The shape travels inside the payload rather than in a column of its own so that it moves with the row
 * through every path that copies payloads (append, staging, quarantine, requeue, salvage of a damaged
 * file) without any of them knowing about shapes, and so that a frozen batch's checksum covers it: a
 * retried batch is provably the same rows in the same format. The cost is a few bytes per row. ASCII, so
 * the tag survives a payload shown as text. Stateless.
 */
public final class ShapedPayload {
    private static final byte START = 0x01;
    private static final byte END = 0x02;

    private ShapedPayload() {}

    /** The tag that precedes every row of {@code shapeId} (empty for shape 0). */
    public static byte[] tag(int shapeId) {
        return shapeId == InsertShape.DEFAULT_ID ? new byte[0]
                : ("\u0001" + shapeId + "\u0002").getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code row} preceded by {@code tag}. */
    public static byte[] tagged(byte[] tag, byte[] row) {
        if (tag.length == 0) {
            return row;
        }
        byte[] out = new byte[tag.length + row.length];
        System.arraycopy(tag, 0, out, 0, tag.length);
        System.arraycopy(row, 0, out, tag.length, row.length);
        return out;
    }

    /** The shape id of a stored payload: 0 for an untagged one. */
    public static int shapeOf(byte[] payload) {
        if (payload.length == 0 || payload[0] != START) {
            return InsertShape.DEFAULT_ID;
        }
        int id = 0;
        for (int i = 1; i < payload.length && payload[i] != END; i++) {
            id = id * 10 + (payload[i] - '0');
        }
        return id;
    }

    /** How many bytes at the head of {@code payload} are the tag (0 when untagged). */
    public static int tagLength(byte[] payload) {
        if (payload.length == 0 || payload[0] != START) {
            return 0;
        }
        for (int i = 1; i < payload.length; i++) {
            if (payload[i] == END) {
                return i + 1;
            }
        }
        return 0;
    }

    /** The row of a payload shown as text (the tag removed), for the quarantine list. */
    public static String rowText(String payload) {
        if (payload.isEmpty() || payload.charAt(0) != START) {
            return payload;
        }
        int end = payload.indexOf(END);
        return end < 0 ? payload : payload.substring(end + 1);
    }

    /** How many of {@code batch}'s leading rows share the first row's shape (a batch never mixes shapes). */
    public static int sameShapePrefix(SpoolBatch batch) {
        if (batch.isEmpty()) {
            return 0;
        }
        int shape = shapeOf(batch.payloads().get(0));
        int n = 1;
        while (n < batch.size() && shapeOf(batch.payloads().get(n)) == shape) {
            n++;
        }
        return n;
    }
}

package org.chspool.http.formats;

import java.util.Arrays;

/** The bytes of the row being read, grown as needed. Not thread-safe. */
final class RowBuffer {
    private byte[] bytes = new byte[256];
    private int length;

    void append(byte[] src, int off, int len) {
        if (length + len > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(length + len, bytes.length * 2));
        }
        System.arraycopy(src, off, bytes, length, len);
        length += len;
    }

    int length() {
        return length;
    }

    /** The row so far, and an empty buffer. */
    byte[] take() {
        byte[] out = Arrays.copyOf(bytes, length);
        length = 0;
        if (bytes.length > 1 << 20) {
            bytes = new byte[256]; // one huge row does not keep its buffer for the rest of the body
        }
        return out;
    }
}

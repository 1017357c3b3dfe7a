package org.chspool.clickhouse;

import com.clickhouse.client.api.DataStreamWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Streams stored payloads (each one compact JSON object) as a JSONEachRow body: the bytes as they
 * are, joined with {@code '\n'}. No parsing, no copying into one big array: each payload is
 * written straight into a 64 KiB buffer in front of the request stream.
 *
 * <p>One instance per request; it only reads the list, so the caller must not change it while
 * the insert runs.
 */
final class JsonEachRowBody implements DataStreamWriter {
    private static final int BUFFER = 64 * 1024;

    private final List<byte[]> payloads;

    JsonEachRowBody(List<byte[]> payloads) {
        this.payloads = payloads;
    }

    @Override
    public void onOutput(OutputStream out) throws IOException {
        // The client closes `out` itself; we only flush our buffer into it.
        BufferedOutputStream buffered = new BufferedOutputStream(out, BUFFER);
        int n = payloads.size();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                buffered.write('\n');
            }
            buffered.write(payloads.get(i));
        }
        buffered.flush();
    }

}

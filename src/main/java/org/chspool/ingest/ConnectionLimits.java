package org.chspool.ingest;

/**
 * The memory bounds of one connection. A connection stops reading (and so pushes back on its client
 * through the socket) while it has {@code maxInFlightRequests} unanswered requests or
 * {@code maxInFlightBytes} of rows not yet committed, or while its unsent output exceeds half of the
 * output buffer; it resumes once they drain. Its memory is therefore about one read buffer, one output
 * buffer, one line of at most CH_MAX_LINE_BYTES and the in-flight rows. Immutable.
 *
 * @param readBufferBytes     size of the per-connection read buffer (lines shorter than it are parsed in place)
 * @param outputBufferBytes   size of the per-connection response buffer
 * @param maxInFlightRequests unanswered requests per connection before it stops reading
 * @param maxInFlightBytes    uncommitted row bytes per connection before it stops reading
 * @param maxConnections      connections per server; further ones get {@code busy} and are closed
 */
record ConnectionLimits(int readBufferBytes, int outputBufferBytes, int maxInFlightRequests,
                        long maxInFlightBytes, int maxConnections) {
    static final ConnectionLimits DEFAULT = new ConnectionLimits(64 << 10, 16 << 10, 1024, 4L << 20, 4096);

    /** These limits with a read buffer of {@code bytes} (tests fill a connection's buffers quickly). */
    ConnectionLimits withReadBuffer(int bytes) {
        return new ConnectionLimits(bytes, outputBufferBytes, maxInFlightRequests, maxInFlightBytes, maxConnections);
    }

    /** These limits with a response buffer of {@code bytes}. */
    ConnectionLimits withOutputBuffer(int bytes) {
        return new ConnectionLimits(readBufferBytes, bytes, maxInFlightRequests, maxInFlightBytes, maxConnections);
    }

    /** These limits with at most {@code requests} unanswered requests per connection. */
    ConnectionLimits withMaxInFlightRequests(int requests) {
        return new ConnectionLimits(readBufferBytes, outputBufferBytes, requests, maxInFlightBytes, maxConnections);
    }

    /** These limits with at most {@code bytes} of uncommitted rows per connection. */
    ConnectionLimits withMaxInFlightBytes(long bytes) {
        return new ConnectionLimits(readBufferBytes, outputBufferBytes, maxInFlightRequests, bytes, maxConnections);
    }
}

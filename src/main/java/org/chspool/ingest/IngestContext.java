package org.chspool.ingest;

import org.chspool.config.Secret;
import org.chspool.spool.Spool;

/**
 * What every connection of one {@link SocketServer} shares: the spool, the protocol, the token, the
 * limits, the counters and whether new requests are still accepted. Thread-safe: immutable apart from
 * the volatile {@code accepting} flag and the lock-free counters.
 */
final class IngestContext {
    private final Spool spool;
    private final LineProtocol protocol;
    private final Secret token;
    private final int maxLineBytes;
    private final ConnectionLimits limits;
    private final IngestCounters counters;
    private final Runnable onClose;
    private volatile boolean accepting = true;

    IngestContext(Spool spool, LineProtocol protocol, Secret token, int maxLineBytes, ConnectionLimits limits,
                  IngestCounters counters, Runnable onClose) {
        this.spool = spool;
        this.protocol = protocol;
        this.token = token;
        this.maxLineBytes = maxLineBytes;
        this.limits = limits;
        this.counters = counters;
        this.onClose = onClose;
    }

    Spool spool() { return spool; }
    LineProtocol protocol() { return protocol; }
    Secret token() { return token; }
    int maxLineBytes() { return maxLineBytes; }
    ConnectionLimits limits() { return limits; }
    IngestCounters counters() { return counters; }
    boolean accepting() { return accepting; }

    void stopAccepting() {
        accepting = false;
    }

    void connectionClosed() {
        counters.connectionClosed();
        onClose.run();
    }
}

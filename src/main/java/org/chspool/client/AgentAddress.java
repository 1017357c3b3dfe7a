package org.chspool.client;

import java.nio.file.Path;

/** Where the agent listens: a Unix socket path, or a TCP host and port. Immutable. */
record AgentAddress(Path socket, String host, int port) {
    @Override
    public String toString() {
        return socket != null ? "unix:" + socket : "tcp:" + host + ":" + port;
    }
}

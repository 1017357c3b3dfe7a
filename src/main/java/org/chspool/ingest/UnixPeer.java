package org.chspool.ingest;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Who is on the other end of an accepted Unix-socket connection, from the kernel ({@code SO_PEERCRED}):
 * the peer process's user and group. JDK 17 exposes them as principals, named after the account (the
 * decimal uid or gid when it has no name); it does not expose the peer's pid. For logs and per-user
 * connection counts only: the socket file's mode and group already decided who may connect. Immutable.
 *
 * @param user  the peer's user name (or uid), or {@link #UNKNOWN}
 * @param group the peer's primary group name (or gid), or {@link #UNKNOWN}
 */
record UnixPeer(String user, String group) {
    static final String UNKNOWN = "unknown";

    /** The peer of {@code ch}; {@link #UNKNOWN} fields when the platform cannot tell. Never throws. */
    static UnixPeer of(SocketChannel ch) {
        try {
            UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return new UnixPeer(p.user().getName(), p.group().getName());
        } catch (IOException | UnsupportedOperationException | SecurityException | LinkageError e) {
            return new UnixPeer(UNKNOWN, UNKNOWN); // LinkageError: a runtime image without the jdk.net module
        }
    }

    @Override
    public String toString() {
        return "user=" + user + " group=" + group;
    }
}

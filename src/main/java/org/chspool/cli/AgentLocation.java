package org.chspool.cli;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Where one agent is, as resolved by {@link TargetOptions}: the admin addresses to try in order (Unix
 * sockets, then HTTP), the spool file (read directly when no agent answers), and the put-protocol
 * addresses. Immutable.
 *
 * @param adminSockets admin Unix sockets, tried first (those that exist)
 * @param adminUrls admin base URLs, tried after the sockets
 * @param putSocket the put-protocol Unix socket, or null
 * @param putTcp the put-protocol TCP address, or null
 * @param token the agent's CH_AUTH_TOKEN if this side knows it (sent first on put connections), or null
 */
record AgentLocation(List<Path> adminSockets, List<URI> adminUrls, Path spoolFile, Path putSocket, InetSocketAddress putTcp,
              String token) {
    AgentLocation {
        adminSockets = List.copyOf(adminSockets);
        adminUrls = List.copyOf(adminUrls);
    }

    @Override
    public String toString() {
        return "AgentLocation[admin=" + adminSockets + " " + adminUrls + ", spool=" + spoolFile + ", put=" + putSocket + " "
                + putTcp + ", token=" + (token == null || token.isEmpty() ? "none" : "***") + "]";
    }
}

package org.chspool.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** A configured {@code host:port} listen address. Port 0 means "any free port" (tests). */
public record Endpoint(String host, int port) {
    /** True when the host resolves only to loopback addresses. */
    public boolean isLoopback() {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}

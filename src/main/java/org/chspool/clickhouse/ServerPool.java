package org.chspool.clickhouse;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The configured ClickHouse servers ({@code CH_URL}: replicas of one shard, or a load balancer's
 * members), each with its own health ({@link PooledServer}), and the rule that picks one for a
 * request. Shared by every sender; each sender talks to the servers through its own
 * {@link PooledSink}.
 *
 * <p><b>Choice.</b> Among the servers a call has not tried yet, the {@link LoadBalancing} policy picks
 * the first <i>available</i> one (not failing, or its unavailable period over) from where it starts its
 * search: the first server ({@code in_order}) or the one after the last choice ({@code round_robin}).
 * When no server is available and the call has tried none yet, it gets the server whose unavailable
 * period ends first: an outage is still probed, by the request itself, and the replayer's own per-table
 * backoff paces those requests. A call that has tried a server already gets no unavailable one
 * (failover goes to healthy servers only).
 *
 * <p><b>Threading.</b> Thread-safe: one private lock guards the choice and every server's health, so a
 * choice and the claim of a probe are one step. The clock is injected (monotonic nanoseconds) so tests
 * step it by hand.
 */
public final class ServerPool {
    private final Object lock = new Object();
    private final List<PooledServer> servers;
    private final LoadBalancing loadBalancing;
    private final LongSupplier nanoTime;
    private int lastChosen = -1; // guarded by lock

    /**
     * @param urls one or more distinct http(s) URLs without credentials, in order of preference
     * @param nanoTime monotonic clock ({@code System::nanoTime} in the agent)
     * @throws IllegalArgumentException for an empty list, a repeated or credential-carrying URL, or one
     *     that is not http(s) with a host
     */
    public ServerPool(List<String> urls, LoadBalancing loadBalancing, LongSupplier nanoTime) {
        this.loadBalancing = Objects.requireNonNull(loadBalancing, "loadBalancing");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("a server pool needs at least one URL");
        }
        Set<String> seen = new HashSet<>();
        List<PooledServer> list = new ArrayList<>(urls.size());
        for (String url : urls) {
            URI u = URI.create(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL with a host: " + u.getScheme() + "://" + u.getHost());
            }
            if (u.getRawUserInfo() != null) {
                throw new IllegalArgumentException("server URLs must not carry credentials");
            }
            if (!seen.add(url)) {
                throw new IllegalArgumentException("server listed twice: " + url);
            }
            list.add(new PooledServer(lock, list.size(), url));
        }
        this.servers = List.copyOf(list);
    }

    /** A pool of the given servers on the system's monotonic clock. */
    public static ServerPool of(List<URI> urls, LoadBalancing loadBalancing) {
        return new ServerPool(urls.stream().map(URI::toString).toList(), loadBalancing, System::nanoTime);
    }

    /** The servers in the configured order. */
    public List<PooledServer> servers() {
        return servers;
    }

    public LoadBalancing loadBalancing() {
        return loadBalancing;
    }

    /** The pool's clock, for callers that time requests to its servers. */
    long nanoTime() {
        return nanoTime.getAsLong();
    }

    /**
     * The server for the next attempt of one call (see the class comment), or null when {@code tried}
     * is not empty and no untried server is available. Never null for an empty {@code tried}.
     */
    PooledServer choose(Collection<PooledServer> tried) {
        synchronized (lock) {
            long now = nanoTime.getAsLong();
            int n = servers.size();
            int first = loadBalancing.firstCandidate(lastChosen, n);
            for (int k = 0; k < n; k++) {
                PooledServer s = servers.get((first + k) % n);
                if (!tried.contains(s) && s.availableAt(now)) {
                    lastChosen = s.index();
                    s.claimProbe(now);
                    return s;
                }
            }
            if (!tried.isEmpty()) {
                return null;
            }
            PooledServer soonest = servers.get(0);
            for (PooledServer s : servers) {
                if (s.unavailableUntilNanos() - soonest.unavailableUntilNanos() < 0) {
                    soonest = s;
                }
            }
            return soonest;
        }
    }

    /**
     * A server other than {@code except} that failed and whose pause is over: claimed for one probe (see
     * {@link ServerProber}); null when there is none.
     */
    PooledServer claimProbeOfIdleServer(PooledServer except) {
        synchronized (lock) {
            long now = nanoTime.getAsLong();
            for (PooledServer s : servers) {
                if (s != except && s.dueForProbeAt(now)) {
                    s.claimProbe(now);
                    return s;
                }
            }
            return null;
        }
    }

    /** Every server's health now, in the configured order. */
    public List<ServerState> states() {
        synchronized (lock) {
            long now = nanoTime.getAsLong();
            List<ServerState> out = new ArrayList<>(servers.size());
            for (PooledServer s : servers) {
                out.add(s.state(now));
            }
            return out;
        }
    }

    /**
     * Since when no server answers (monotonic nanoseconds on the pool's clock: the latest of their
     * down-since times, i.e. when the last one stopped answering), or -1 while any server answers or has
     * not been tried yet.
     */
    public long allDownSinceNanos() {
        synchronized (lock) {
            long since = Long.MIN_VALUE;
            for (PooledServer s : servers) {
                long d = s.downSinceNanos();
                if (d < 0) {
                    return -1;
                }
                since = since == Long.MIN_VALUE || d - since > 0 ? d : since;
            }
            return since;
        }
    }

    /** The most recent failure summary of any server, or null when none has failed yet. */
    public String lastError() {
        synchronized (lock) {
            PooledServer latest = null;
            for (PooledServer s : servers) {
                if (s.lastError() != null && (latest == null || s.lastErrorAtNanos() - latest.lastErrorAtNanos() > 0)) {
                    latest = s;
                }
            }
            return latest == null ? null : latest.lastError();
        }
    }

    /**
     * Capabilities of the first server (in the configured order) that has been probed, or null. Each
     * insert uses its own server's capabilities; this is for the single summary in status.
     */
    public ServerCapabilities capabilities() {
        for (PooledServer s : servers) {
            ServerCapabilities c = s.capabilities();
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "ServerPool" + servers + " " + loadBalancing;
    }
}

package org.chspool.torture;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.chspool.client.SpoolClient;
import org.chspool.testing.UnixHttp;

/**
 * The torture run's access phase: a second agent (child JVM) with a token, a TCP put listener, an admin
 * port, and two rows in its quarantine (ClickHouse rejects them: a string and an object for a Float64).
 * {@link AccessFuzzer} attacks both ports; nothing may get in without the token, the agent must stay up
 * and the quarantine must be intact, and the token must not appear in its log. Results go to the run's
 * {@link TortureSummary}. One driver thread.
 */
final class AccessPhase {
    private final Path work;
    private final TortureSummary summary;
    private final Duration startTimeout;

    AccessPhase(Path work, TortureSummary summary, Duration startTimeout) {
        this.work = work;
        this.summary = summary;
        this.startTimeout = startTimeout;
    }

    /**
     * A put, resent while the agent answers busy (the machine is shared with the main agent draining the
     * overload phase's backlog, and a loaded CI host can miss the 100 ms put timeout), for up to 30 s.
     */
    private static void putRetryingBusy(SpoolClient c, List<String> rows) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                c.putAll("fuzz", rows);
                return;
            } catch (org.chspool.client.SpoolException e) {
                if (!"busy".equals(e.code()) || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(Math.max(10, e.retryAfterMs())); // as a client is told to
            }
        }
    }

    void run(Map<String, String> env, int probes, long seed) throws Exception {
        Map<String, String> e = new HashMap<>(env);
        String token = "torture-" + Long.toHexString(new java.util.Random(seed).nextLong());
        InetSocketAddress put = new InetSocketAddress("127.0.0.1", freePort());
        InetSocketAddress admin = new InetSocketAddress("127.0.0.1", freePort());
        e.putAll(Map.of("CH_AUTH_TOKEN", token, "CH_LISTEN", "127.0.0.1:" + put.getPort(),
                "CH_ADMIN_LISTEN", "127.0.0.1:" + admin.getPort(), "CH_FLUSH_INTERVAL_S", "0.2"));
        AgentProcess agent = new AgentProcess(work.resolve("access"), work.resolve("access-agent.log"), e);
        agent.start(startTimeout);
        try {
            try (SpoolClient c = SpoolClient.unix(agent.socket()).build()) {
                putRetryingBusy(c, List.of("{\"n\":\"not a number\"}", "{\"n\":{\"x\":1}}"));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (quarantined(agent) < 2 && System.nanoTime() < deadline) {
                Thread.sleep(200); // waiting for ClickHouse, an external system, to reject them
            }
            long before = quarantined(agent);
            AccessFuzzer.Result r = new AccessFuzzer(seed, token).run(put, admin, probes);
            summary.put("hostile auth lines refused / tried (TCP put)", r.authRefused() + " / " + r.authProbes());
            summary.put("admin requests refused without the token (POSTs among them) / tried",
                    r.adminRefused() + " (" + r.postsRefused() + ") / " + r.adminProbes());
            summary.require(before == 2, "access fuzz: expected 2 quarantined rows to protect, found " + before);
            summary.require(r.violation() == null, "access fuzz: " + r.violation());
            summary.require(agent.isAlive(), "agent died while its TCP ports were fuzzed");
            long after = quarantined(agent);
            summary.require(after == before, "unauthenticated requests changed the quarantine: " + before + " -> " + after);
        } finally {
            agent.terminate(Duration.ofSeconds(60));
        }
        summary.require(!Files.readString(work.resolve("access-agent.log")).contains(token),
                "the token appears in the agent's log");
    }

    /** Quarantined rows, from the agent's admin socket (no token needed there). */
    private static long quarantined(AgentProcess agent) throws IOException {
        String raw = UnixHttp.request(agent.spoolDir().resolve("admin.sock"), "GET", "/status");
        return new ObjectMapper().readTree(UnixHttp.body(raw)).path("totals").path("quarantinedRows").asLong();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

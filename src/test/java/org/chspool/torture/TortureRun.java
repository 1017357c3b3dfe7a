package org.chspool.torture;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.chspool.client.SpoolClient;
import org.chspool.spool.SqliteConnections;
import org.chspool.testing.ClickHouseCluster;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.FaultProxy;

/**
 * The torture run: the real agent in a child JVM ({@code -Xmx128m}) against a real ClickHouse behind a
 * {@link FaultProxy}, with 8 clients streaming, through these phases:
 * <ol>
 *   <li>{@code kill -9} at random moments, restarting at once, while the replayer drains;
 *   <li>{@code kill -9} under overload: 32 more clients sending 100-row batches back to back, far more
 *       than the spool writer commits (the agent holds their connections back);
 *   <li>the proxy cycling refuse / delay beyond the socket timeout / cut mid-request / HTTP 503 / cut
 *       after the response, with pass in between; then ClickHouse down with no load, measuring the agent's
 *       CPU time against wall time (it must not spin);
 *   <li>protocol fuzzing on one connection while the clients go on; then hostile clients of a second
 *       agent's TCP put listener and admin port ({@link AccessFuzzer}): nothing gets in without the token
 *       and its quarantine survives every unauthenticated request;
 *   <li>a spool directory on a 16 MiB tmpfs that fills up (root only; skipped with a note otherwise);
 *   <li>a byte-flipped and then a truncated spool file at start (the recovery path).
 * </ol>
 * Then the ledger: every acknowledged row is in ClickHouse, no rejected row is, and no row is there twice
 * in the dedupe table ({@code trade_events}) or the replicated one ({@code revents}): either fails the run;
 * duplicates in the plain MergeTree table ({@code events}, at-least-once on 18.16) are only reported. {@code main} runs {@code --short} (about 2 min, also
 * {@code TortureShortIT}) or {@code --full} ({@code scripts/torture.sh}) and prints the summary table.
 */
public final class TortureRun {
    /** How hard to push. */
    record Options(int killCycles, int overloadKillCycles, Duration faultTime, Duration faultSlice, int fuzzLines,
                   int accessProbes, Duration cpuWindow, Duration diskFullLoad, long seed) {
        static final Options SHORT = new Options(5, 2, Duration.ofSeconds(20), Duration.ofSeconds(2), 3000, 300,
                Duration.ofSeconds(5), Duration.ofSeconds(40), 1);
        static final Options FULL = new Options(50, 10, Duration.ofMinutes(3), Duration.ofSeconds(4), 30000, 3000,
                Duration.ofSeconds(20), Duration.ofSeconds(60), 1);
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private final Options opt;
    private final ClickHouseCluster cluster;
    /** Replica 1 of the cluster: the server the agent delivers to (through the proxy), and where the ledger is read. */
    private final ClickHouseEndpoint ch;
    private final Path work;
    private final String db;
    private final Random random;
    private final Ledger ledger = new Ledger();
    private final TortureSummary summary = new TortureSummary();

    TortureRun(Options opt, ClickHouseCluster cluster, Path work) {
        this.opt = opt;
        this.cluster = cluster;
        this.ch = cluster.replica(1).endpoint();
        this.work = work;
        this.db = "torture_" + System.currentTimeMillis();
        this.random = new Random(opt.seed());
    }

    public static void main(String[] args) throws Exception {
        Options opt = List.of(args).contains("--full") ? Options.FULL : Options.SHORT;
        Path work = Files.createTempDirectory("chspool-torture-");
        String urls = System.getenv(ClickHouseCluster.ENV_URLS);
        TortureSummary s;
        try (ClickHouseCluster cluster = urls != null && !urls.isBlank()
                ? ClickHouseCluster.external(urls, System.getenv(ClickHouseCluster.ENV_CLUSTER_NAME))
                : ClickHouseCluster.startLocal()) {
            s = new TortureRun(opt, cluster, work).run();
        }
        System.out.println();
        System.out.println(s.table());
        System.out.println("work dir (agent logs, spool files): " + work);
        System.exit(s.passed() ? 0 : 1);
    }

    TortureSummary run() throws Exception {
        ch.exec("CREATE DATABASE IF NOT EXISTS " + db);
        ch.exec("CREATE TABLE " + db + ".events (k UInt64, c UInt32, p String) ENGINE = MergeTree ORDER BY k");
        ch.exec("CREATE TABLE " + db + ".trade_events (trade_id String, ts UInt64, px Float64) ENGINE = MergeTree ORDER BY trade_id");
        // Replicated, no dedupe key: exactly-once rests on frozen batches alone; any duplicate fails the run.
        cluster.createReplicatedTable(db, LoadClients.REPLICATED, "k UInt64, c UInt32, p String", "k");
        ch.exec("CREATE TABLE " + db + ".fuzz (a String DEFAULT '', n Float64 DEFAULT 0, s String DEFAULT '') ENGINE = MergeTree ORDER BY tuple()");
        summary.put("started", Instant.now());
        try (FaultProxy proxy = FaultProxy.inFrontOf(ch)) {
            Map<String, String> env = agentEnv(proxy);
            AgentProcess main = new AgentProcess(work.resolve("main"), work.resolve("main-agent.log"), env);
            main.start(START_TIMEOUT);
            try (LoadClients clients = new LoadClients(ledger, 8, 10, Duration.ofMillis(25), main.socket());
                 AutoCloseable killOnFailure = () -> {
                     if (main.isAlive()) {
                         main.kill9(); // a phase failed: the child must not outlive the run
                     }
                 }) {
                ledger.phase("kill-9");
                killCycles(main);
                ledger.phase("overload-kill-9");
                overloadKillCycles(main);
                ledger.phase("faults");
                faultCycles(main, clients, proxy);
                ledger.phase("fuzz");
                fuzz(main);
                new AccessPhase(work, summary, START_TIMEOUT).run(env, opt.accessProbes(), opt.seed());
                ledger.phase("disk-full");
                clients.pause();
                awaitDelivered(Duration.ofSeconds(120));
                summary.put("agent exit code after SIGTERM (main)", main.terminate(Duration.ofSeconds(60)));
                leftInSpool("main", main.spoolDir());
                diskFull(clients, proxy, env);
                clients.pause();
            }
            corruptStart(proxy, env);
            summary.put("faults injected by the proxy", proxy.faultsInjected());
        }
        verifyLedger();
        summary.put("finished", Instant.now());
        return summary;
    }

    private Map<String, String> agentEnv(FaultProxy proxy) {
        Map<String, String> env = new HashMap<>();
        env.put("CH_URL", proxy.url());
        env.put("CH_DB", db);
        env.put("CH_ALLOWED_DATABASES", db);
        env.put("CH_DEDUPE", "trade_events:trade_id");
        env.put("CH_CONNECT_TIMEOUT_MS", "1000");
        env.put("CH_SOCKET_TIMEOUT_MS", "2000");
        env.put("CH_BACKOFF_MAX_MS", "3000");
        env.put("CH_FLUSH_INTERVAL_S", "1");
        env.put("CH_SHUTDOWN_GRACE_S", "10");
        return env;
    }

    /**
     * kill -9 at random moments while 32 more clients (numbered from 101, so their keys are their own) send
     * 100-row batches back to back: an overload, with puts held back for room in the writer's queue when
     * the agent dies. Every row acknowledged must survive.
     */
    private void overloadKillCycles(AgentProcess agent) throws Exception {
        try (LoadClients burst = new LoadClients(ledger, 101, 32, 100, Duration.ZERO, agent.socket(),
                List.of(LoadClients.EVENTS, LoadClients.REPLICATED), LoadClients.TORTURE_ROWS)) {
            for (int i = 0; i < opt.overloadKillCycles(); i++) {
                Thread.sleep(500 + random.nextInt(1500)); // the random moment of the crash
                agent.kill9();
                agent.start(START_TIMEOUT);
            }
            Thread.sleep(1000); // the burst goes on against the restarted agent
            summary.put("rows sent by the overload burst", burst.rowsSent());
        }
        summary.put("kill -9 cycles under overload", opt.overloadKillCycles());
    }

    /** kill -9 at random moments while clients stream and the replayer drains; restart at once. */
    private void killCycles(AgentProcess agent) throws Exception {
        for (int i = 0; i < opt.killCycles(); i++) {
            Thread.sleep(300 + random.nextInt(2500)); // the random moment of the crash
            agent.kill9();
            agent.start(START_TIMEOUT);
        }
        summary.put("kill -9 cycles", opt.killCycles());
    }

    /** The proxy cycles through its faults under load; then ClickHouse down with no load: CPU vs wall time. */
    private void faultCycles(AgentProcess agent, LoadClients clients, FaultProxy proxy) throws Exception {
        long deadline = System.nanoTime() + opt.faultTime().toNanos();
        Runnable[] faults = {proxy::refuse, () -> proxy.delay(Duration.ofSeconds(3)), proxy::cutMidRequest,
            proxy::http503, proxy::cutAfterResponse};
        int switches = 0;
        while (System.nanoTime() < deadline) {
            faults[switches % faults.length].run();
            switches++;
            Thread.sleep(opt.faultSlice().toMillis()); // the fault lasts this long
            proxy.pass();
            Thread.sleep(opt.faultSlice().toMillis() / 2); // and the pass between faults this long
        }
        summary.put("fault switches (refuse/delay/cut-mid/503/cut-after)", switches);
        summary.require(agent.isAlive(), "agent died during fault cycling");
        clients.pause();
        proxy.refuse();
        Thread.sleep(1000); // let batches in flight finish before measuring
        Duration cpu0 = agent.cpuTime();
        long t0 = System.nanoTime();
        Thread.sleep(opt.cpuWindow().toMillis()); // the window the CPU use is measured over
        double ratio = (agent.cpuTime().minus(cpu0).toNanos()) / (double) (System.nanoTime() - t0);
        summary.put("agent CPU while ClickHouse down, idle intake (cpu/wall)", String.format("%.3f", ratio));
        summary.require(ratio < 0.10, "agent uses " + ratio + " of a core while ClickHouse is down: spinning");
        proxy.pass();
        clients.resume();
    }

    private void fuzz(AgentProcess agent) throws Exception {
        AtomicLong maxRss = new AtomicLong(agent.rssKb());
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                maxRss.accumulateAndGet(agent.rssKb(), Math::max);
                try {
                    Thread.sleep(100); // the sampling interval of the child's RSS
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
        ProtocolFuzzer.Result r = new ProtocolFuzzer(opt.seed()).run(agent.socket(), opt.fuzzLines());
        sampler.interrupt();
        summary.put("bad inputs tried (lines / MiB)", r.linesSent() + " / " + r.bytesSent() / (1 << 20));
        summary.put("answers to bad inputs", r.answers());
        summary.put("agent max RSS during fuzzing (MiB, -Xmx128m)", maxRss.get() / 1024);
        summary.require(agent.isAlive(), "agent died while fuzzed");
        summary.require(r.answers() == r.linesSent(), "fuzz: " + r.linesSent() + " lines but " + r.answers() + " answers");
        summary.require(r.badAnswer() == null, "fuzz: " + r.badAnswer());
        summary.require(maxRss.get() < 512 * 1024, "agent RSS reached " + maxRss.get() / 1024 + " MiB while fuzzed");
    }

    /** A spool on a 16 MiB tmpfs: fills while ClickHouse is down; drains and accepts again once it is back. */
    private void diskFull(LoadClients clients, FaultProxy proxy, Map<String, String> env) throws Exception {
        Path dir = work.resolve("small");
        Files.createDirectories(dir);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String why = new String(mount.getInputStream().readAllBytes()).trim();
        if (mount.waitFor() != 0) {
            summary.put("disk full (16 MiB tmpfs)", "SKIPPED");
            summary.note("disk-full case SKIPPED: cannot mount a tmpfs (needs root): " + why);
            return;
        }
        try {
            AgentProcess agent = new AgentProcess(dir.resolve("spool"), work.resolve("small-agent.log"), env);
            agent.start(START_TIMEOUT);
            proxy.refuse();
            long fullBefore = ledger.rejectedWith("io_error") + ledger.rejectedWith("spool_full");
            clients.pointAt(agent.socket());
            clients.resume();
            long deadline = System.nanoTime() + opt.diskFullLoad().toNanos();
            while (System.nanoTime() < deadline
                    && ledger.rejectedWith("io_error") + ledger.rejectedWith("spool_full") - fullBefore < 2000) {
                Thread.sleep(200); // load runs; we look at the ledger
            }
            long refused = ledger.rejectedWith("io_error") + ledger.rejectedWith("spool_full") - fullBefore;
            summary.put("rows refused on the full disk (io_error/spool_full)", refused);
            summary.require(refused > 0, "the 16 MiB spool never filled up");
            summary.require(agent.isAlive(), "agent exited on a full disk");
            long ackedAtRecovery = ledger.ackedCount();
            proxy.pass();
            deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && ledger.ackedCount() - ackedAtRecovery < 2000) {
                Thread.sleep(200); // polling the ledger the load clients fill, with a deadline
            }
            long after = ledger.ackedCount() - ackedAtRecovery;
            summary.put("rows acked after space came back (no restart)", after);
            summary.require(after >= 2000, "puts did not succeed again after the disk drained (" + after + " rows)");
            summary.require(agent.isAlive(), "agent exited after the full disk");
            clients.pause();
            awaitDelivered(Duration.ofSeconds(120));
            summary.put("agent exit code after SIGTERM (small disk)", agent.terminate(Duration.ofSeconds(60)));
            leftInSpool("small disk", agent.spoolDir());
            summary.put("quick_check of the small-disk spool", quickCheck(agent.spoolDir().resolve("spool.db")));
            summary.require("ok".equals(quickCheck(agent.spoolDir().resolve("spool.db"))), "small-disk spool damaged");
        } finally {
            new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor();
        }
    }

    /** Rows put, agent stopped, file damaged; the next start must serve and report the recovery. */
    private void corruptStart(FaultProxy proxy, Map<String, String> env) throws Exception {
        proxy.refuse(); // keep the rows in the spool
        AgentProcess agent = new AgentProcess(work.resolve("corrupt"), work.resolve("corrupt-agent.log"), env);
        Path file = agent.spoolDir().resolve("spool.db");
        StringBuilder outcome = new StringBuilder();
        for (String damage : List.of("byte-flipped", "truncated")) {
            agent.start(START_TIMEOUT);
            try (SpoolClient c = SpoolClient.unix(agent.socket()).build()) {
                for (int b = 0; b < 60; b++) {
                    List<String> rows = new java.util.ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        rows.add("{\"a\":\"" + damage + "-" + b + "-" + i + "-" + "p".repeat(60) + "\"}");
                    }
                    c.putAll("fuzz", rows);
                }
            }
            agent.terminate(Duration.ofSeconds(60));
            long size = Files.size(file);
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                if (damage.equals("truncated")) {
                    f.setLength(size / 2);
                } else {
                    byte[] junk = new byte[512];
                    random.nextBytes(junk);
                    f.seek(size / 2 / 4096 * 4096);
                    f.write(junk);
                }
            }
            agent.start(START_TIMEOUT); // must serve, not loop or exit
            try (SpoolClient c = SpoolClient.unix(agent.socket()).build()) {
                c.put("fuzz", "{\"a\":\"after " + damage + "\"}");
            }
            Path marker = agent.spoolDir().resolve("recovery.json");
            String notice = Files.exists(marker) ? Files.readString(marker) : "";
            summary.require(notice.contains("rows_recovered"), damage + " spool: no recovery notice");
            String recovered = notice.replaceAll("(?s).*\"rows_recovered\" : (\\d+).*\"rows_expected\" : (-?\\d+).*", "$1 of $2");
            outcome.append(damage).append(": ").append(recovered).append(" rows recovered; ");
            agent.terminate(Duration.ofSeconds(60));
        }
        long aside;
        try (var s = Files.list(agent.spoolDir())) {
            aside = s.filter(p -> p.getFileName().toString().matches("spool\\.db\\.corrupt-[^-]*(-\\d+)?")).count();
        }
        summary.put("damaged spool at start", outcome.toString() + aside + " file(s) kept aside");
        summary.require(aside == 2, "expected 2 damaged files kept aside, found " + aside);
        proxy.pass();
    }

    /** Waits until ClickHouse holds at least as many distinct keys as were acknowledged, and stops changing. */
    private void awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            long events = LedgerCheck.distinct(ch, db, LoadClients.EVENTS, "k");
            long trades = LedgerCheck.distinct(ch, db, LoadClients.TRADES, "trade_id");
            long replicated = LedgerCheck.distinct(ch, db, LoadClients.REPLICATED, "k");
            boolean caughtUp = events >= ledger.acked(LoadClients.EVENTS).size()
                    && trades >= ledger.acked(LoadClients.TRADES).size()
                    && replicated >= ledger.acked(LoadClients.REPLICATED).size();
            if (caughtUp && events + trades + replicated == last) {
                return;
            }
            last = events + trades + replicated;
            Thread.sleep(2000); // polling an external system's row count
        }
    }

    private void leftInSpool(String name, Path spoolDir) {
        try (Connection c = SqliteConnections.readOnly(spoolDir.resolve("spool.db"), 5000);
             Statement s = c.createStatement()) {
            long queued;
            long quarantined;
            try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(rows), 0) FROM table_stats WHERE tbl IN ('" + db + ".events', '" + db + ".trade_events')")) {
                queued = rs.getLong(1);
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM quarantine WHERE tbl IN ('" + db + ".events', '" + db + ".trade_events')")) {
                quarantined = rs.getLong(1);
            }
            summary.put("ledger rows left queued / quarantined in spool (" + name + ")", queued + " / " + quarantined);
        } catch (SQLException e) {
            summary.fail("cannot read the " + name + " spool after stop: " + e.getMessage());
        }
    }

    private static String quickCheck(Path file) {
        try (Connection c = SqliteConnections.readOnly(file, 5000); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            return rs.next() ? rs.getString(1) : "?";
        } catch (SQLException e) {
            return e.getMessage();
        }
    }

    private void verifyLedger() {
        LedgerCheck.Outcome ev = LedgerCheck.check(ch, db, LoadClients.EVENTS, "k", ledger);
        LedgerCheck.Outcome tr = LedgerCheck.check(ch, db, LoadClients.TRADES, "toUInt64(trade_id)", ledger);
        LedgerCheck.Outcome re = LedgerCheck.check(ch, db, LoadClients.REPLICATED, "k", ledger);
        summary.put("rows acked (events + trade_events + revents)", ev.acked() + tr.acked() + re.acked());
        summary.put("rows refused with an error (never acked)", ledger.rejectedCount() + " " + ledger.rejectionsByCode());
        summary.put("rows with unknown outcome (connection cut)", ledger.unknownCount()
                + " (" + (ev.unknownDelivered() + tr.unknownDelivered() + re.unknownDelivered()) + " delivered)");
        summary.put("rows delivered (distinct)", ev.distinct() + tr.distinct() + re.distinct());
        summary.put("acked rows lost", ev.lost() + tr.lost() + re.lost());
        summary.put("refused rows found in ClickHouse", ev.rejectedButDelivered() + tr.rejectedButDelivered()
                + re.rejectedButDelivered());
        summary.put("duplicates, events (plain MergeTree, no dedupe key; at-least-once on 18.16)", ev.duplicated());
        summary.put("duplicates, trade_events (CH_DEDUPE=trade_events:trade_id)", tr.duplicated());
        summary.put("duplicates, revents (ReplicatedMergeTree, no dedupe key: frozen batches)", re.duplicated());
        StringBuilder byPhase = new StringBuilder();
        ledger.ackedByPhase().forEach((phase, keys) -> {
            long lost = keys.stream().filter(k -> !ev.present().contains(k) && !tr.present().contains(k)
                    && !re.present().contains(k)).count();
            byPhase.append(phase).append(' ').append(lost).append('/').append(keys.size()).append("; ");
        });
        summary.put("acked rows lost per phase (lost/acked)", byPhase);
        summary.require(ev.lost() + tr.lost() + re.lost() == 0, "acknowledged rows missing in ClickHouse: events "
                + ev.lost() + " (first key " + ev.firstLost() + "), trade_events " + tr.lost() + " (first key "
                + tr.firstLost() + "), revents " + re.lost() + " (first key " + re.firstLost() + ")");
        summary.require(ev.rejectedButDelivered() + tr.rejectedButDelivered() + re.rejectedButDelivered() == 0,
                "rows refused with an error were delivered");
        summary.require(ev.acked() + tr.acked() > 0 && re.acked() > 0, "no row was acknowledged at all (or none into revents)");
        summary.require(tr.duplicated() == 0, "trade_events (deduplicated by trade_id) has " + tr.duplicated()
                + " duplicate(s)");
        summary.require(re.duplicated() == 0, "revents (replicated, frozen batches, no dedupe key) has " + re.duplicated()
                + " duplicate(s)");
    }

}

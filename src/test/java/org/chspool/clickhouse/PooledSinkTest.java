package org.chspool.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pool's policy and failover, with scripted servers on a manual clock. */
class PooledSinkTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();
    private static final List<byte[]> ROWS = List.of(bytes("{\"id\":1}"), bytes("{\"id\":2}"));

    private long now = 1_000 * SECOND;
    private final Map<String, FakeServerSink> fakes = new LinkedHashMap<>();

    private ServerPool pool(LoadBalancing lb, String... urls) {
        for (String u : urls) {
            fakes.put(u, new FakeServerSink(u, "24.8." + fakes.size()));
        }
        return new ServerPool(List.of(urls), lb, () -> now);
    }

    private PooledSink sink(ServerPool pool) {
        return new PooledSink(pool, server -> fakes.get(server.url()));
    }

    private FakeServerSink fake(String url) {
        return fakes.get(url);
    }

    /** Which server got each of {@code n} inserts. */
    private List<String> servedBy(PooledSink sink, int n) throws ClickHouseFailure {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sink.insert("db", "t", ROWS, "token-" + i);
            out.add(sink.lastServer().url());
        }
        return out;
    }

    private static ServerState state(ServerPool pool, int i) {
        return pool.states().get(i);
    }

    @Test
    void aStandbyThatFailedIsProbedOnceItsPauseIsOverAndShownUpWhenItAnswers() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink senders = sink(pool);
        ServerProber prober = new ServerProber(pool, sink(pool), Duration.ofSeconds(1));
        fake("http://a:8123").failure = FakeServerSink.noAnswer();
        fake("http://b:8123").failure = FakeServerSink.noAnswer();
        assertThrows(ClickHouseFailure.class, () -> senders.insert("db", "t", ROWS, "x")); // both down
        fake("http://a:8123").failure = null;
        fake("http://b:8123").failure = null;
        now += 2 * SECOND;
        assertEquals(List.of("http://a:8123"), servedBy(senders, 1)); // a is back and takes the inserts
        assertEquals(ServerState.Condition.DOWN, state(pool, 1).condition(), "b got no request: still shown down");

        int before = fake("http://b:8123").requests.size();
        prober.probeDue();
        assertEquals(before + 1, fake("http://b:8123").requests.size(), "b probed once");
        assertEquals(ServerState.Condition.UP, state(pool, 1).condition());
        prober.probeDue();
        assertEquals(before + 1, fake("http://b:8123").requests.size(), "a healthy server is not probed");
        assertEquals(List.of("http://a:8123"), servedBy(senders, 1), "in_order still prefers a");
    }

    @Test
    void aStandbyStillDownIsProbedAgainOnlyAfterItsNextPause() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        ServerProber prober = new ServerProber(pool, sink(pool), Duration.ofSeconds(1));
        fake("http://b:8123").failure = FakeServerSink.noAnswer();
        fake("http://a:8123").failure = FakeServerSink.noAnswer();
        PooledSink senders = sink(pool);
        assertThrows(ClickHouseFailure.class, () -> senders.insert("db", "t", ROWS, "x"));
        fake("http://a:8123").failure = null;
        now += 2 * SECOND;
        int before = fake("http://b:8123").requests.size();
        prober.probeDue();
        prober.probeDue();
        assertEquals(before + 1, fake("http://b:8123").requests.size(), "one probe per pause");
        now += 60 * SECOND;
        prober.probeDue();
        assertEquals(before + 2, fake("http://b:8123").requests.size());
        assertEquals(ServerState.Condition.DOWN, state(pool, 1).condition());
    }

    @Test
    void inOrderSendsEverythingToTheFirstHealthyServer() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123", "http://c:8123");
        PooledSink sink = sink(pool);

        assertEquals(List.of("http://a:8123", "http://a:8123", "http://a:8123"), servedBy(sink, 3));
        assertEquals(List.of(), fake("http://b:8123").requests);
        assertEquals(ServerState.Condition.UNKNOWN, state(pool, 1).condition());
    }

    @Test
    void inOrderSkipsAFailedServerDuringItsBackoffAndReturnsToItAfter() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.noAnswer();

        assertEquals(List.of("http://b:8123"), servedBy(sink, 1), "failed over within the call");
        fake("http://a:8123").failure = null;
        now += SECOND / 2;
        assertEquals(List.of("http://b:8123", "http://b:8123"), servedBy(sink, 2));
        assertEquals(1, fake("http://a:8123").requests.size(), "skipped during its backoff");

        now += SECOND / 2;
        assertEquals(List.of("http://a:8123", "http://a:8123"), servedBy(sink, 2), "tried again after it, and kept");
        assertEquals(ServerState.Condition.UP, state(pool, 0).condition());
    }

    @Test
    void roundRobinRotatesAmongTheHealthyServers() throws Exception {
        ServerPool pool = pool(LoadBalancing.ROUND_ROBIN, "http://a:8123", "http://b:8123", "http://c:8123");
        PooledSink sink = sink(pool);

        assertEquals(List.of("http://a:8123", "http://b:8123", "http://c:8123", "http://a:8123"), servedBy(sink, 4));

        fake("http://c:8123").failure = FakeServerSink.http503();
        assertEquals(List.of("http://b:8123", "http://a:8123"), servedBy(sink, 2), "c failed over to a, then skipped");
        assertEquals(List.of("http://b:8123", "http://a:8123", "http://b:8123"), servedBy(sink, 3));
    }

    @Test
    void roundRobinIsSharedBySenders() throws Exception {
        ServerPool pool = pool(LoadBalancing.ROUND_ROBIN, "http://a:8123", "http://b:8123");
        PooledSink one = sink(pool);
        PooledSink two = sink(pool);

        assertEquals(List.of("http://a:8123"), servedBy(one, 1));
        assertEquals(List.of("http://b:8123"), servedBy(two, 1));
        assertEquals(List.of("http://a:8123"), servedBy(two, 1));
    }

    @Test
    void whenNoServerIsAvailableTheOneWhoseBackoffEndsFirstIsTriedAlone() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.noAnswer();
        fake("http://b:8123").failure = FakeServerSink.noAnswer();
        assertThrows(ClickHouseFailure.class, () -> sink.insert("db", "t", ROWS, "x")); // both fail: a until +1 s, b until +1 s
        now += SECOND / 2;
        fake("http://b:8123").failure = null;
        assertThrows(ClickHouseFailure.class, () -> sink.insert("db", "t", ROWS, "x")); // b, unavailable, is not failed over to
        // a was tried (same end as b, earlier in the list) and is now skipped until +2.5 s; b until +1 s
        assertEquals(List.of(1, 2), List.of(fake("http://b:8123").requests.size(), fake("http://a:8123").requests.size()));

        now += SECOND / 4;
        sink.insert("db", "t", ROWS, "x");
        assertEquals("http://b:8123", sink.lastServer().url(), "b's backoff ends first, so b is probed");
        assertEquals(2, fake("http://a:8123").requests.size());
    }

    @Test
    void backoffDoublesWithEachFailureInARowUpToThirtySecondsAndResetsOnSuccess() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123");
        PooledSink sink = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.noAnswer();
        List<Long> skipped = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            assertThrows(ClickHouseFailure.class, () -> sink.insert("db", "t", ROWS, "x"));
            skipped.add(state(pool, 0).unavailableForNanos() / SECOND);
            now += state(pool, 0).unavailableForNanos();
        }
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 30L, 30L), skipped);
        assertEquals(7, state(pool, 0).consecutiveFailures());

        fake("http://a:8123").failure = null;
        sink.insert("db", "t", ROWS, "x");
        assertEquals(0, state(pool, 0).consecutiveFailures());
        assertEquals(0, state(pool, 0).unavailableForNanos());
        fake("http://a:8123").failure = FakeServerSink.noAnswer();
        assertThrows(ClickHouseFailure.class, () -> sink.insert("db", "t", ROWS, "x"));
        assertEquals(1, state(pool, 0).unavailableForNanos() / SECOND, "starts again from the first step");
    }

    @Test
    void failoverTriesEachServerAtMostOnceAndThrowsTheLastFailure() {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123", "http://c:8123");
        PooledSink sink = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.noAnswer();
        fake("http://b:8123").failure = FakeServerSink.http503();
        ClickHouseFailure last = new ClickHouseFailure(ClickHouseFailure.Kind.RETRYABLE, 252, 500, "Too many parts", null);
        fake("http://c:8123").failure = last;

        ClickHouseFailure thrown = assertThrows(ClickHouseFailure.class, () -> sink.insert("db", "t", ROWS, "x"));

        assertSame(last, thrown);
        fakes.values().forEach(f -> assertEquals(1, f.requests.size(), f.url));
        assertEquals("http://c:8123", sink.lastServer().url());
    }

    @Test
    void failoverResendsTheSameBlockWithTheSameToken() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.noAnswer();

        sink.insert("db", "t", ROWS, "chspool:db.t:1-2:2");

        assertSame(ROWS, fake("http://b:8123").payloads.get(0));
        assertSame(fake("http://a:8123").payloads.get(0), fake("http://b:8123").payloads.get(0));
        assertEquals(List.of("chspool:db.t:1-2:2"), fake("http://b:8123").tokens);
    }

    @Test
    void permanentErrorIsThrownAsIsWithoutFailoverAndLeavesTheServerHealthy() {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        ClickHouseFailure bad = FakeServerSink.badData();
        fake("http://a:8123").failure = bad;

        assertSame(bad, assertThrows(ClickHouseFailure.class, () -> sink.insert("db", "t", ROWS, "x")));

        assertEquals(List.of(), fake("http://b:8123").requests);
        ServerState a = state(pool, 0);
        assertEquals(ServerState.Condition.UP, a.condition());
        assertEquals(0, a.consecutiveFailures());
        assertNull(a.lastError());
        assertEquals(1, a.insertsFailed());
    }

    @Test
    void retryableAnswerMarksTheServerFailingButNotDown() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.http503();

        sink.insert("db", "t", ROWS, "x");

        ServerState a = state(pool, 0);
        assertEquals(ServerState.Condition.FAILING, a.condition());
        assertEquals(-1, a.downForNanos());
        assertTrue(a.lastError().endsWith("(RETRYABLE code=-1 http=503)"), a.lastError());
        assertEquals(-1, pool.allDownSinceNanos());
    }

    @Test
    void downSinceIsTheFirstFailureWithoutAnAnswerAndAnyAnswerEndsIt() {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.noAnswer();
        fake("http://b:8123").failure = FakeServerSink.noAnswer();
        long first = now;
        assertThrows(ClickHouseFailure.class, () -> sink.insert("db", "t", ROWS, "x"));
        now += 5 * SECOND;
        assertThrows(ClickHouseFailure.class, () -> sink.insert("db", "t", ROWS, "x"));

        assertEquals(5 * SECOND, state(pool, 0).downForNanos());
        assertEquals(first, pool.allDownSinceNanos());

        fake("http://b:8123").failure = FakeServerSink.badData(); // an answer, even an error
        now += 5 * SECOND;
        assertThrows(ClickHouseFailure.class, () -> sink.insert("db", "t", ROWS, "x"));
        assertEquals(ServerState.Condition.UP, state(pool, 1).condition());
        assertEquals(-1, pool.allDownSinceNanos(), "b answers, so ClickHouse is reachable");
        assertEquals(ServerState.Condition.DOWN, state(pool, 0).condition());
    }

    @Test
    void aRecoveringServerIsProbedByOneSenderWhileTheOthersStayAway() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink one = sink(pool);
        PooledSink two = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.noAnswer();
        one.insert("db", "t", ROWS, "x");
        now += SECOND;
        List<String> duringProbe = new ArrayList<>();
        fake("http://a:8123").during = () -> {
            try {
                two.insert("db", "t", ROWS, "y");
                duringProbe.add(two.lastServer().url());
            } catch (ClickHouseFailure e) {
                throw new AssertionError(e);
            }
        };

        one.insert("db", "t", ROWS, "x"); // a is probed (and fails again); two, meanwhile, goes to b

        assertEquals(List.of("http://b:8123"), duringProbe);
        assertEquals(2, fake("http://a:8123").requests.size());
    }

    @Test
    void selectFailsOverLikeAnInsertAndIsNotCountedAsOne() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.noAnswer();

        assertEquals("found\n", sink.select("SELECT 1 FORMAT TabSeparated"));

        assertEquals("http://b:8123", sink.lastServer().url());
        assertEquals(ServerState.Condition.DOWN, state(pool, 0).condition());
        assertEquals(0, state(pool, 1).insertsOk());
        assertEquals(ServerState.Condition.UP, state(pool, 1).condition());
    }

    @Test
    void capabilitiesAreThoseOfTheServerThatServedTheLastCall() throws Exception {
        ServerPool pool = pool(LoadBalancing.ROUND_ROBIN, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        assertNull(sink.capabilities());

        sink.insert("db", "t", ROWS, "x");
        assertEquals("24.8.0", sink.capabilities().version());
        sink.insert("db", "t", ROWS, "x");
        assertEquals("24.8.1", sink.capabilities().version());
        assertEquals("24.8.1", state(pool, 1).capabilities().version(), "each server keeps its own");
    }

    @Test
    void insertsAreCountedAndTimedOnTheServerThatGotThem() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        fake("http://a:8123").failure = FakeServerSink.noAnswer();
        fake("http://a:8123").during = () -> now += SECOND / 1000;
        fake("http://b:8123").during = () -> now += SECOND / 50;

        sink.insert("db", "t", ROWS, "x");

        assertEquals(List.of(0L, 1L), List.of(state(pool, 0).insertsOk(), state(pool, 0).insertsFailed()));
        assertEquals(List.of(1L, 0L), List.of(state(pool, 1).insertsOk(), state(pool, 1).insertsFailed()));
        assertEquals(0.02, state(pool, 1).meanInsertSeconds(), 1e-9);
        assertEquals(1, pool.servers().get(0).insertSeconds().count());
        assertEquals(0.001, pool.servers().get(0).insertSeconds().sum(), 1e-9);
    }

    @Test
    void emptyInsertTouchesNoServer() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123");
        PooledSink sink = sink(pool);
        sink.insert("db", "t", List.of(), "x");
        assertEquals(List.of(), fake("http://a:8123").requests);
        assertNull(sink.lastServer());
    }

    @Test
    void probeAllRecordsEveryServersVersionAndReachability() {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        fake("http://b:8123").failure = FakeServerSink.noAnswer();

        sink(pool).probeAll();

        assertEquals("24.8.0", state(pool, 0).capabilities().version());
        assertEquals(ServerState.Condition.DOWN, state(pool, 1).condition());
        assertEquals("24.8.0", pool.capabilities().version());
        assertTrue(pool.lastError().contains("Connection refused"), pool.lastError());
    }

    @Test
    void closeClosesTheConnectionsItOpened() throws Exception {
        ServerPool pool = pool(LoadBalancing.IN_ORDER, "http://a:8123", "http://b:8123");
        PooledSink sink = sink(pool);
        sink.insert("db", "t", ROWS, "x");
        sink.close();
        assertTrue(fake("http://a:8123").closed);
        assertEquals(false, fake("http://b:8123").closed, "never opened");
    }

    @Test
    void poolRefusesDuplicatesCredentialsAndNonHttpUrls() {
        assertThrows(IllegalArgumentException.class,
                () -> new ServerPool(List.of("http://a:8123", "http://a:8123"), LoadBalancing.IN_ORDER, () -> 0));
        assertThrows(IllegalArgumentException.class,
                () -> new ServerPool(List.of("http://u:p@a:8123"), LoadBalancing.IN_ORDER, () -> 0));
        assertThrows(IllegalArgumentException.class,
                () -> new ServerPool(List.of("ftp://a"), LoadBalancing.IN_ORDER, () -> 0));
        assertThrows(IllegalArgumentException.class, () -> new ServerPool(List.of(), LoadBalancing.IN_ORDER, () -> 0));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

"""The client against the real agent (a child JVM) and a real ClickHouse. See harness.py for the wiring."""

import os
import signal
import threading
import time
import unittest
from pathlib import Path
from unittest import mock

import chspool
from chspool import _discovery

from .harness import Agent, ClickHouse, free_port, require_agent_env

NOT_ACKNOWLEDGED = {"connection", "timeout"}


class PipeliningTest(unittest.TestCase):
    def setUp(self):
        require_agent_env(self)
        self.ch = ClickHouse()

    def test_8_threads_on_one_connection_deliver_100000_rows_exactly(self):
        table = self.ch.table("py_pipelined")
        # A generous put timeout: on a loaded machine the writer may take longer than the default 100 ms to
        # claim a request, which is answered busy (BusyTest covers that); here every put must be acknowledged.
        agent = Agent(self, CH_PUT_TIMEOUT_MS="10000").start()
        per_thread = 12_500
        errors = []
        with chspool.SpoolClient(socket_path=agent.socket, timeout_s=30) as c:
            def blocking(t):
                for i in range(per_thread):
                    c.put(table, {"id": t * per_thread + i, "k": f"t{t}"})

            def windowed(t):
                window = []
                for i in range(per_thread):
                    window.append(c.put_async(table, {"id": t * per_thread + i, "k": f"t{t}"}))
                    if len(window) == 200:
                        for f in window:
                            self.assertEqual(1, f.result(timeout=30))
                        window = []
                for f in window:
                    self.assertEqual(1, f.result(timeout=30))

            def run(t):
                try:
                    (blocking if t % 2 == 0 else windowed)(t)
                except BaseException as e:
                    errors.append(e)

            threads = [threading.Thread(target=run, args=(t,)) for t in range(8)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
        self.assertEqual([], errors)
        self.assertEqual(100_000, self.ch.await_count(table, 100_000))
        time.sleep(1.0)  # nothing more may arrive: no duplicate from a retried batch
        self.assertEqual("100000\t100000", self.ch.query(f"SELECT count(), uniqExact(id) FROM {table}").strip())
        self.assertEqual(list(range(100_000)), sorted(self.ch.ids(table)))

    def test_a_burst_of_async_puts_larger_than_the_socket_buffers_is_answered_in_full(self):
        # 40,000 answers do not fit in the kernel's socket buffers: the agent stops reading until they are
        # read, so the sender blocks on a full socket while the reader must keep matching answers.
        agent = Agent(self, CH_URL="http://127.0.0.1:1", CH_ADMISSION_QUEUE_ROWS="1000000",
                      CH_PUT_TIMEOUT_MS="10000").start()
        with chspool.SpoolClient(socket_path=agent.socket, timeout_s=20) as c:
            futures = [c.put_async("t", {"i": i}) for i in range(40_000)]
            self.assertEqual(40_000, sum(f.result(timeout=60) for f in futures))

    def test_put_many_is_all_or_nothing_and_returns_its_count(self):
        table = self.ch.table("py_put_many")
        agent = Agent(self).start()
        with chspool.SpoolClient(socket_path=agent.socket) as c:
            self.assertEqual(100, c.put_many(table, [{"id": i, "k": "m"} for i in range(100)]))
            with self.assertRaises(chspool.SpoolError) as e:
                c.put_many(table, [{"id": 100, "k": "m"}, {"id": 101, "k": "x" * 2_000_000}])
            self.assertEqual("too_large", e.exception.code)
            c.ping()
        self.assertEqual(100, self.ch.await_count(table, 100))
        time.sleep(0.5)
        self.assertEqual(100, self.ch.count(table))


class AgentRestartTest(unittest.TestCase):
    def setUp(self):
        require_agent_env(self)
        self.ch = ClickHouse()

    def test_a_kill_9_mid_stream_fails_only_unacknowledged_puts_and_the_client_reconnects(self):
        table = self.ch.table("py_restart")
        agent = Agent(self, CH_PUT_TIMEOUT_MS="10000").start()  # no busy on a loaded machine: only the kill fails puts
        acked, codes, stop = set(), {}, threading.Event()
        lock = threading.Lock()
        acked_after_restart = threading.Semaphore(0)
        restarted = threading.Event()
        with chspool.SpoolClient(socket_path=agent.socket, timeout_s=2.0) as c:
            def run(t):
                i = 0
                while not stop.is_set():
                    rid = t * 10_000_000 + i
                    i += 1
                    try:
                        c.put(table, {"id": rid, "k": "r"})
                    except chspool.SpoolError as e:
                        with lock:
                            codes[e.code] = codes.get(e.code, 0) + 1
                        time.sleep(0.01)
                        continue
                    with lock:
                        acked.add(rid)
                    if restarted.is_set():
                        acked_after_restart.release()

            threads = [threading.Thread(target=run, args=(t,)) for t in range(4)]
            for th in threads:
                th.start()
            try:
                self._await_acks(lock, acked, 3000)
                agent.kill9()
                agent.start()
                restarted.set()
                for _ in range(3000):
                    self.assertTrue(acked_after_restart.acquire(timeout=60), "no puts acknowledged after the restart")
            finally:
                stop.set()
                for th in threads:
                    th.join()
        self.assertTrue(codes, "the kill failed no put at all")
        self.assertLessEqual(set(codes), NOT_ACKNOWLEDGED, codes)
        self.ch.await_count(table, len(acked))
        deadline = time.monotonic() + 60
        while True:
            missing = acked - set(self.ch.ids(table))
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(set(), missing, "acknowledged rows missing from ClickHouse")

    @staticmethod
    def _await_acks(lock, acked, n):
        deadline = time.monotonic() + 60
        while True:
            with lock:
                if len(acked) >= n:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(acked)} puts acknowledged")
            time.sleep(0.05)


class ErrorCodeTest(unittest.TestCase):
    """Every code the real agent answers to this client (bad_json cannot be produced by it: it only
    sends valid JSON; io_error needs a failing disk: both are mapped in test_unit.ErrorMappingTest)."""

    def setUp(self):
        require_agent_env(self)
        self.db = os.environ["CHSPOOL_TEST_DB"]
        self.port = free_port()
        self.agent = Agent(self, CH_URL="http://127.0.0.1:1", CH_SPOOL_MAX_BYTES="1MiB", CH_MAX_ROW_BYTES="4KiB",
                           CH_ALLOWED_DATABASES=self.db, CH_LISTEN=f"127.0.0.1:{self.port}",
                           CH_AUTH_TOKEN="py-test-token", CH_SHUTDOWN_GRACE_S="60").start()
        self.client = chspool.SpoolClient(socket_path=self.agent.socket)
        self.addCleanup(self.client.close)

    def assertCode(self, code, retryable, fn, *args):
        with self.assertRaises(chspool.SpoolError) as e:
            fn(*args)
        self.assertEqual(code, e.exception.code, e.exception)
        self.assertEqual(retryable, e.exception.retryable)
        self.assertTrue(e.exception.message)
        return e.exception

    def test_content_errors_are_not_retryable_and_leave_the_connection_usable(self):
        self.assertCode("bad_table", False, self.client.put, "t; DROP TABLE x", {"a": 1})
        self.assertCode("bad_table", False, self.client.put, "other_db.t", {"a": 1})
        self.assertCode("bad_request", False, self.client.put_many, "t", [])
        self.assertCode("too_large", False, self.client.put, "t", {"pad": "p" * 5000})
        self.client.put("t", {"a": 1})

    def test_a_wrong_or_missing_token_over_tcp_is_unauthorized_and_the_right_one_works(self):
        with chspool.SpoolClient(host="127.0.0.1", port=self.port, token="wrong") as bad:
            self.assertCode("unauthorized", False, bad.put, "t", {"a": 1})
        with chspool.SpoolClient(host="127.0.0.1", port=self.port) as none:
            self.assertCode("unauthorized", False, none.put, "t", {"a": 1})
        with chspool.SpoolClient(host="127.0.0.1", port=self.port, token="py-test-token") as good:
            good.put("t", {"a": 1})

    def test_a_flood_beyond_the_spool_cap_gets_spool_full(self):
        rows = [{"pad": "p" * 3000, "i": i} for i in range(50)]
        for _ in range(20):
            try:
                self.client.put_many("t", rows)
            except chspool.SpoolError as e:
                self.assertEqual("spool_full", e.code)
                self.assertTrue(e.retryable)
                self.assertIn("CH_SPOOL_MAX_BYTES", e.message)
                return
        self.fail("1 MiB cap never reached with 3 MB of rows")

    def test_after_sigterm_puts_on_an_open_connection_get_shutting_down(self):
        self.client.put("t", {"a": 1})
        self.agent.signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.client.put("t", {"a": 2})
            except chspool.SpoolError as e:
                self.assertEqual("shutting_down", e.code, e)
                self.assertTrue(e.retryable)
                return
            time.sleep(0.01)
        self.fail("no shutting_down within 30 s of SIGTERM")


class BusyTest(unittest.TestCase):
    def setUp(self):
        require_agent_env(self)

    def test_a_flood_beyond_the_admission_queue_gets_busy_with_a_retry_hint(self):
        agent = Agent(self, CH_ADMISSION_QUEUE_ROWS="1", CH_PUT_TIMEOUT_MS="1").start()
        rows = [{"i": i, "pad": "p" * 100} for i in range(50)]
        busy = acked = 0
        with chspool.SpoolClient(socket_path=agent.socket, timeout_s=30) as c:
            futures = [c.put_many_async("t", rows) for _ in range(300)]
            for f in futures:
                try:
                    acked += f.result(timeout=30)
                except chspool.SpoolError as e:
                    self.assertEqual("busy", e.code, e)
                    self.assertGreater(e.retry_after_ms, 0)
                    self.assertTrue(e.retryable)
                    busy += 1
        self.assertGreater(busy, 0)
        self.assertGreater(acked, 0)


class DropInTest(unittest.TestCase):
    """ch_put through the namespace layout (an env file naming the agent's socket)."""

    TIMEOUT_S = 2.0

    def setUp(self):
        require_agent_env(self)
        self.ch = ClickHouse()
        self.agent = Agent(self, CH_PUT_TIMEOUT_MS="1000").start()
        self.etc = self.agent.dir / "etc"
        self.etc.mkdir()
        (self.etc / "dolphin.env").write_text(f"CH_SOCKET={self.agent.socket}\n")
        for p in (mock.patch.object(_discovery, "ETC", self.etc), mock.patch.dict(os.environ, {"CHSPOOL_TIMEOUT_S": str(self.TIMEOUT_S)})):
            p.start()
            self.addCleanup(p.stop)
        os.environ.pop("CHSPOOL_STRICT", None)
        chspool.close_all()
        chspool.reset_stats()
        self.addCleanup(chspool.close_all)

    def test_ch_put_returns_true_once_committed_and_the_rows_reach_clickhouse(self):
        table = self.ch.table("py_dropin")
        for i in range(50):
            self.assertTrue(chspool.ch_put(table, {"id": i, "k": "d"}))
        self.assertEqual(50, chspool.stats()["committed"])
        self.assertEqual(50, self.ch.await_count(table, 50))

    def test_ch_put_to_a_stopped_agent_returns_false_within_the_timeout(self):
        self.assertTrue(chspool.ch_put("t", {"a": 1}))  # connected
        self.agent.pause()
        try:
            t0 = time.monotonic()
            self.assertFalse(chspool.ch_put("t", {"a": 2}))
            self.assertLess(time.monotonic() - t0, self.TIMEOUT_S + 0.3)
        finally:
            self.agent.signal(signal.SIGCONT)
        self.assertEqual({"timeout": 1}, chspool.stats()["refused"])

    def test_ch_put_with_the_agent_killed_returns_false_at_once_then_true_after_its_restart(self):
        self.assertTrue(chspool.ch_put("t", {"a": 1}))
        self.agent.kill9()
        t0 = time.monotonic()
        self.assertFalse(chspool.ch_put("t", {"a": 2}))
        self.assertLess(time.monotonic() - t0, self.TIMEOUT_S + 0.3)
        self.agent.start()
        self.assertTrue(chspool.ch_put("t", {"a": 3}))
        self.assertEqual(2, chspool.stats()["committed"])

    def test_after_a_failed_connect_the_next_call_finds_the_agent_again(self):
        (self.etc / "dolphin.env").write_text(f"CH_SOCKET={self.agent.dir / 'not-yet.sock'}\n")
        self.assertFalse(chspool.ch_put("t", {"a": 1}))
        (self.etc / "dolphin.env").write_text(f"CH_SOCKET={self.agent.socket}\n")  # e.g. the unit's /run path
        self.assertTrue(chspool.ch_put("t", {"a": 2}))

    def test_a_refusal_other_than_busy_is_not_retried(self):
        self.assertFalse(chspool.ch_put("bad table", {"a": 1}))
        self.assertEqual({"bad_table": 1}, chspool.stats()["refused"])


if __name__ == "__main__":
    unittest.main()

"""The real agent (``org.chspool.agent.SpoolAgent`` in a child JVM) and a real ClickHouse for the tests.

PythonClientIT (src/test/java/org/chspool/python) sets ``CHSPOOL_TEST_JAVA``, ``CHSPOOL_TEST_CLASSPATH``,
``CHSPOOL_TEST_CH_URL``, ``CHSPOOL_TEST_CH_USER``, ``CHSPOOL_TEST_CH_PASS`` and ``CHSPOOL_TEST_DB`` (a
database it created); without them the agent tests are skipped with that message.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request
from pathlib import Path

import chspool

ENV_NAMES = ("CHSPOOL_TEST_JAVA", "CHSPOOL_TEST_CLASSPATH", "CHSPOOL_TEST_CH_URL", "CHSPOOL_TEST_DB")


def require_agent_env(test: unittest.TestCase) -> None:
    missing = [n for n in ENV_NAMES if not os.environ.get(n)]
    if missing:
        test.skipTest("needs a real agent and ClickHouse: " + ", ".join(missing) + " unset (PythonClientIT sets them)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ClickHouse:
    """ClickHouse over HTTP, for the tests' own checks."""

    def __init__(self) -> None:
        self.url = os.environ["CHSPOOL_TEST_CH_URL"].rstrip("/")
        self.user = os.environ.get("CHSPOOL_TEST_CH_USER", "default")
        self.password = os.environ.get("CHSPOOL_TEST_CH_PASS", "")
        self.db = os.environ["CHSPOOL_TEST_DB"]

    def query(self, sql: str) -> str:
        req = urllib.request.Request(self.url + "/?" + urllib.parse.urlencode({"query": sql}), data=b"", method="POST")
        req.add_header("X-ClickHouse-User", self.user)
        req.add_header("X-ClickHouse-Key", self.password)
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.read().decode("utf-8")

    def table(self, name: str) -> str:
        full = f"{self.db}.{name}"
        self.query(f"CREATE TABLE IF NOT EXISTS {full} (id UInt64, k String) ENGINE = MergeTree ORDER BY id")
        self.query(f"TRUNCATE TABLE {full}")
        return full

    def ids(self, full: str) -> list:
        return [int(x) for x in self.query(f"SELECT id FROM {full} FORMAT TSV").split()]

    def count(self, full: str) -> int:
        return int(self.query(f"SELECT count() FROM {full}").strip())

    def await_count(self, full: str, n: int, timeout_s: float = 120.0) -> int:
        deadline = time.monotonic() + timeout_s
        while True:
            c = self.count(full)
            if c >= n or time.monotonic() > deadline:
                return c
            time.sleep(0.2)


class Agent:
    """One agent process on its own spool dir. ``start`` returns once a ping is answered."""

    def __init__(self, test: unittest.TestCase, **settings: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chspool-py-"))
        test.addCleanup(shutil.rmtree, self.dir, True)
        test.addCleanup(self.stop)
        self.log = self.dir / "agent.log"
        self.spool_dir = self.dir / "spool"
        self.socket = str(self.spool_dir / "put.sock")
        ch_url = os.environ["CHSPOOL_TEST_CH_URL"]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CH_")}
        self.env.update({"CH_URL": ch_url, "CH_USER": os.environ.get("CHSPOOL_TEST_CH_USER", "default"),
                         "CH_PASS": os.environ.get("CHSPOOL_TEST_CH_PASS", ""), "CH_DB": os.environ["CHSPOOL_TEST_DB"],
                         "CH_SPOOL_DIR": str(self.spool_dir), "CH_LISTEN": "", "CH_ADMIN_LISTEN": "",
                         "CH_HTTP_LISTEN": "", "CH_FLUSH_INTERVAL_S": "0.2", "CH_BACKOFF_INITIAL_MS": "100",
                         "CH_BACKOFF_MAX_MS": "500", "CH_SHUTDOWN_GRACE_S": "0", "CH_NAMESPACE": "pytest"})
        self.env.update(settings)
        self.proc = None

    def start(self, timeout_s: float = 60.0) -> "Agent":
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([os.environ["CHSPOOL_TEST_JAVA"], "-Xmx192m", "-cp",
                                          os.environ["CHSPOOL_TEST_CLASSPATH"], "org.chspool.agent.SpoolAgent"],
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"agent exited with {self.proc.returncode} at start:\n{self.log_text()}")
            if os.path.exists(self.socket):
                try:
                    with chspool.SpoolClient(socket_path=self.socket, timeout_s=1.0) as c:
                        c.ping()
                        return self
                except chspool.SpoolError:
                    pass  # the killed agent's stale socket, or not listening yet
            if time.monotonic() > deadline:
                raise AssertionError(f"agent not answering after {timeout_s} s:\n{self.log_text()}")
            time.sleep(0.05)

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def pause(self) -> None:
        """SIGSTOP, returning once every thread of the agent is stopped (the signal is asynchronous)."""
        self.proc.send_signal(signal.SIGSTOP)
        deadline = time.monotonic() + 10
        task_dir = Path(f"/proc/{self.proc.pid}/task")
        while time.monotonic() < deadline:
            states = []
            for task in task_dir.iterdir():
                try:
                    states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
                except (OSError, IndexError):
                    pass
            if states and all(st in ("T", "t") for st in states):
                return
            time.sleep(0.005)
        raise AssertionError("the agent did not stop within 10 s of SIGSTOP")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

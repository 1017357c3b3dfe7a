"""Rows/s into a local chspool agent from Python, beside the in-process writer's put (ch_writer.py) in the
same run. Run by scripts/bench.sh python (org.chspool.bench.PythonBenchmark), which starts ClickHouse and
the agent and passes: --socket PUT_SOCK --predecessor DIR_OF_ch_writer.py --spool-root DIR --db DB.
The predecessor's environment (CH_URL, CH_USER, CH_PASS, SEED_OLD_CH) comes from the caller.
Prints one table of medians over --runs runs.
"""
import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import chspool  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--socket", required=True)
p.add_argument("--predecessor", required=True)
p.add_argument("--spool-root", required=True)
p.add_argument("--db", required=True)
p.add_argument("--rows", type=int, default=20_000)
p.add_argument("--runs", type=int, default=3)
a = p.parse_args()

os.environ["CH_SPOOL_DIR"] = a.spool_root
os.environ["CH_DB"] = a.db
sys.path.insert(0, a.predecessor)
import ch_writer  # noqa: E402


def row(i):
    return {"id": i, "ts": "2026-12-01 12:00:00", "host": "web-%d" % (i % 16), "level": "info", "v": i % 1000,
            "msg": "request handled in %d ms" % (i % 250), "code": 200}


def timed(threads, fn):
    """Runs fn(thread_index, rows_per_thread) in `threads` threads; returns rows/s."""
    per = a.rows // threads
    ts = [threading.Thread(target=fn, args=(t, per)) for t in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return per * threads / (time.perf_counter() - t0)


client = chspool.SpoolClient(socket_path=a.socket, timeout_s=30)


def chspool_put(t, n):
    base = t * 10_000_000
    for i in range(n):
        client.put("bench", row(base + i))


def chspool_put_many(t, n):
    base = t * 10_000_000
    for start in range(0, n, 100):
        client.put_many("bench", [row(base + i) for i in range(start, min(n, start + 100))])


def chspool_put_async(t, n):
    base = t * 10_000_000
    window = []
    for i in range(n):
        window.append(client.put_async("bench", row(base + i)))
        if len(window) == 256:
            for f in window:
                f.result()
            window = []
    for f in window:
        f.result()


writer = ch_writer._CHWriter(db=a.db)


def predecessor_put(t, n):
    base = t * 10_000_000
    for i in range(n):
        writer.put("bench", row(base + i))


cases = [("chspool put", chspool_put), ("chspool put_async (256 in flight)", chspool_put_async),
         ("chspool put_many(100)", chspool_put_many),
         ("predecessor put (in-process SQLite)", predecessor_put)]
print(f"python {sys.version.split()[0]}, {a.rows:,} rows per run, median of {a.runs} runs")
print(f"{'':40s} {'1 thread':>14s} {'8 threads':>14s}")
for name, fn in cases:
    cells = []
    for threads in (1, 8):
        rates = [timed(threads, fn) for _ in range(a.runs)]
        cells.append(f"{statistics.median(rates):>10,.0f} r/s")
    print(f"{name:40s} {cells[0]:>14s} {cells[1]:>14s}", flush=True)
print(f"predecessor rows dropped by its own lock timeout: {writer._dropped}")
client.close()

"""Writes a spool file with the in-process writer's own code (ch_writer.py, the reference copy beside
this file), for PredecessorImportIT. Run with CH_URL pointing at nothing (ClickHouse unreachable for it,
so every row stays queued) and CH_SPOOL_DIR set:

    python3 make_spool.py DB TABLE ROWS [--keep-in-wal] [--broken]

The file is CH_SPOOL_DIR/DB/writer.sqlite3. --keep-in-wal turns SQLite's automatic checkpoint off on the
writer's connection, so once the caller kills this process (kill -9) the rows are only in the -wal file,
as after a crash before a checkpoint. --broken adds three rows the old writer could have in its queue:
a payload that is not valid JSON, one that is not a JSON object, and one for a database outside the
agent's CH_ALLOWED_DATABASES. Prints one JSON line (the good rows queued, their created_ts_us range, the
odd rows' ids) and then waits to be killed, holding the file open like a live service.
"""
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ch_writer  # noqa: E402

db, table, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
writer = ch_writer._CHWriter(db=db, start_thread=True, flush_interval_s=0.2)
if "--keep-in-wal" in sys.argv:
    with writer._lock:
        writer._conn.execute("PRAGMA wal_autocheckpoint=0")
for i in range(rows):
    writer.put(table, {"n": i, "src": db})
with writer._lock:
    good, lo, hi = writer._conn.execute(
        "SELECT count(*), min(created_ts_us), max(created_ts_us) FROM queue WHERE table_name = ?", (table,)).fetchone()
odd = {}
if "--broken" in sys.argv:
    with writer._lock:
        for name, tbl, payload in (("not_json", table, '{"n": 1,'), ("not_object", table, "[1, 2]"),
                                   ("forbidden", "forbidden_db.events", '{"n": -1, "src": "x"}')):
            cur = writer._conn.execute("INSERT INTO queue(table_name, payload, created_ts_us) VALUES (?, ?, ?)",
                                       (tbl, payload, ch_writer.ts_us()))
            odd[name] = cur.lastrowid
print(json.dumps({"file": str(writer._db_path), "good": good, "dropped": writer._dropped, "min_created": lo,
                  "max_created": hi, "odd": odd}), flush=True)
time.sleep(3600)

"""The client's own rules, without an agent: encoding, error mapping, discovery, and the drop-ins'
behaviour when no agent answers (a socket path nobody listens on is a real "agent down")."""

import datetime
import decimal
import json
import logging
import os
import tempfile
import time
import unittest
import uuid
from pathlib import Path
from unittest import mock

import chspool
from chspool import _discovery, _dropin, _encode, _errors


class EncodingTest(unittest.TestCase):
    def test_rows_are_compact_json_with_unicode_kept(self):
        self.assertEqual('{"a":1,"b":"é ☃","c":[1,2.5,null,true]}',
                         chspool.encode_row({"a": 1, "b": "é ☃", "c": [1, 2.5, None, True]}))

    def test_a_request_is_one_line_even_when_a_value_has_line_breaks(self):
        line = _encode.put_line("t", {"s": "a\nb\r\nc"})
        self.assertEqual(1, line.count(b"\n"))
        self.assertTrue(line.endswith(b"\n"))
        self.assertEqual({"table": "t", "row": {"s": "a\nb\r\nc"}}, json.loads(line))

    def test_values_json_cannot_hold_raise_type_error_naming_the_field(self):
        for value in (datetime.datetime(2026, 1, 1), datetime.date(2026, 1, 1), decimal.Decimal("1.5"),
                      uuid.uuid4(), b"raw", {1, 2}, object()):
            with self.subTest(type(value).__name__):
                with self.assertRaises(TypeError) as e:
                    chspool.encode_row({"ok": 1, "outer": {"list": [0, value]}})
                self.assertIn("'outer.list[1]'", str(e.exception))
                self.assertIn(type(value).__name__, str(e.exception))

    def test_nan_and_infinity_raise_value_error_naming_the_field(self):
        for value in (float("nan"), float("inf"), float("-inf")):
            with self.assertRaises(ValueError) as e:
                chspool.encode_row({"px": value})
            self.assertIn("'px'", str(e.exception))

    def test_a_row_must_be_a_dict_and_put_many_names_the_bad_row(self):
        with self.assertRaises(TypeError):
            chspool.encode_row([1, 2])
        with self.assertRaises(TypeError) as e:
            _encode.put_many_line("t", [{"a": 1}, {"a": datetime.time(1)}])
        self.assertIn("row 2", str(e.exception))
        self.assertIn("'a'", str(e.exception))

    def test_put_many_is_one_request_with_every_row(self):
        line, n = _encode.put_many_line("db.t", ({"i": i} for i in range(3)))
        self.assertEqual(3, n)
        self.assertEqual({"table": "db.t", "rows": [{"i": 0}, {"i": 1}, {"i": 2}]}, json.loads(line))


class ErrorMappingTest(unittest.TestCase):
    """Answer lines exactly as LineProtocol.error writes them."""

    def test_every_agent_code_maps_to_a_spool_error_with_its_retryability(self):
        retryable = {"busy", "spool_full", "io_error", "shutting_down"}
        for code in sorted(_errors.AGENT_CODES):
            with self.subTest(code):
                e = _errors.from_response(json.loads('{"ok":false,"error":"%s","message":"why"}' % code))
                self.assertEqual(code, e.code)
                self.assertEqual("why", e.message)
                self.assertEqual(code in retryable, e.retryable)

    def test_busy_carries_its_retry_hint(self):
        e = _errors.from_response(json.loads('{"ok":false,"error":"busy","message":"m","retry_after_ms":50,"id":3}'))
        self.assertEqual(50, e.retry_after_ms)
        self.assertTrue(e.retryable)

    def test_connection_and_timeout_are_retryable_and_an_answer_without_code_is_protocol(self):
        self.assertTrue(chspool.SpoolError(chspool.CONNECTION, "x").retryable)
        self.assertTrue(chspool.SpoolError(chspool.TIMEOUT, "x").retryable)
        self.assertEqual(chspool.PROTOCOL, _errors.from_response({"ok": False}).code)
        self.assertIsNone(_errors.from_response({"ok": True, "n": 1}))


class DiscoveryTest(unittest.TestCase):
    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="chspool-disc-"))
        self.addCleanup(__import__("shutil").rmtree, self.root, True)
        self.etc, self.run, self.lib = (self.root / d for d in ("etc", "run", "lib"))
        for d in (self.etc, self.run, self.lib):
            d.mkdir()

    def resolve(self, namespace=None, environ=None):
        return _discovery.resolve(namespace, environ or {}, self.etc, self.run, self.lib)

    def test_a_namespace_uses_its_env_file_socket_and_token(self):
        (self.etc / "green.env").write_text('# comment\nexport CH_SOCKET="/x/put.sock"\nCH_AUTH_TOKEN=\'s3\'\n')
        self.assertEqual(_discovery.Target("/x/put.sock", None, None, "s3"), self.resolve("green"))

    def test_a_namespace_prefers_the_run_dir_socket_then_the_spool_dir(self):
        self.assertEqual(str(self.lib / "pink" / "put.sock"), self.resolve("pink").socket_path)
        (self.run / "pink").mkdir()
        (self.run / "pink" / "put.sock").touch()
        self.assertEqual(str(self.run / "pink" / "put.sock"), self.resolve("pink").socket_path)

    def test_chspool_namespace_selects_the_namespace(self):
        (self.etc / "violet.env").write_text("CH_SPOOL_DIR=/data/violet\n")
        self.assertEqual("/data/violet/put.sock", self.resolve(environ={"CHSPOOL_NAMESPACE": "violet"}).socket_path)

    def test_without_namespace_the_agent_settings_of_this_environment_apply(self):
        self.assertEqual("spool/put.sock", self.resolve().socket_path)
        self.assertEqual("/s/put.sock", self.resolve(environ={"CH_SPOOL_DIR": "/s"}).socket_path)
        self.assertEqual("/p.sock", self.resolve(environ={"CH_SOCKET": "/p.sock"}).socket_path)

    def test_tcp_is_used_when_the_socket_is_off_or_absent_and_listen_is_set(self):
        t = self.resolve(environ={"CH_SOCKET": "none", "CH_LISTEN": "127.0.0.1:7123", "CH_AUTH_TOKEN": "tok"})
        self.assertEqual(_discovery.Target(None, "127.0.0.1", 7123, "tok"), t)
        t = self.resolve(environ={"CH_SPOOL_DIR": str(self.root / "nothing"), "CH_LISTEN": "[::1]:7123"})
        self.assertEqual(("::1", 7123), (t.host, t.port))
        with self.assertRaises(ValueError):
            self.resolve(environ={"CH_SOCKET": "none"})


class DropInWithTheAgentDownTest(unittest.TestCase):
    """ch_put against a namespace whose socket nobody listens on."""

    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix="chspool-down-"))
        self.addCleanup(__import__("shutil").rmtree, self.root, True)
        (self.root / "dolphin_green.env").write_text(f"CH_SOCKET={self.root / 'absent.sock'}\n")
        patcher = mock.patch.object(_discovery, "ETC", self.root)
        patcher.start()
        self.addCleanup(patcher.stop)
        env = mock.patch.dict(os.environ, {"CHSPOOL_TIMEOUT_S": "0.5"})
        env.start()
        self.addCleanup(env.stop)
        os.environ.pop("CHSPOOL_STRICT", None)
        chspool.close_all()
        chspool.reset_stats()
        self.addCleanup(chspool.close_all)

    def test_ch_put_returns_false_within_the_timeout_and_counts_the_refusal(self):
        t0 = time.monotonic()
        self.assertFalse(chspool.ch_put_green("events", {"id": 1}))
        self.assertLess(time.monotonic() - t0, 0.5 + 0.2)
        s = chspool.stats()
        self.assertEqual(0, s["committed"])
        self.assertEqual({"connection": 1}, s["refused"])
        self.assertIn("absent.sock", s["last_error"])

    def test_refusals_are_logged_at_warning_the_first_10_then_every_100th(self):
        with self.assertLogs("chspool", level="DEBUG") as logs:
            for i in range(250):
                self.assertFalse(chspool.ch_put_green("events", {"id": i}))
        self.assertEqual(10 + 2, len(logs.records))
        self.assertTrue(all(r.levelno == logging.WARNING for r in logs.records))
        self.assertIn("100 refused so far", logs.records[10].getMessage())
        self.assertIn("200 refused so far", logs.records[11].getMessage())
        self.assertEqual(250, chspool.stats()["refused"]["connection"])

    def test_strict_raises_instead_by_argument_or_environment(self):
        with self.assertRaises(chspool.SpoolError) as e:
            chspool.ch_put_green("events", {"id": 1}, strict=True)
        self.assertEqual("connection", e.exception.code)
        with mock.patch.dict(os.environ, {"CHSPOOL_STRICT": "1"}):
            with self.assertRaises(chspool.SpoolError):
                chspool.ch_put_green("events", {"id": 1})
            self.assertFalse(chspool.ch_put_green("events", {"id": 1}, strict=False))

    def test_a_value_json_cannot_hold_is_counted_as_bad_value_and_raised_only_when_strict(self):
        with self.assertLogs("chspool", level="WARNING"):
            self.assertFalse(chspool.ch_put_green("events", {"ts": datetime.datetime.now()}))
        self.assertEqual({"bad_value": 1}, chspool.stats()["refused"])
        with self.assertRaises(TypeError):
            chspool.ch_put_green("events", {"ts": datetime.datetime.now()}, strict=True)

    def test_a_namespace_without_socket_or_listener_is_a_connection_refusal(self):
        (self.root / "dolphin_violet.env").write_text("CH_SOCKET=none\n")
        self.assertFalse(chspool.ch_put_violet("events", {"id": 1}))
        self.assertEqual({"connection": 1}, chspool.stats()["refused"])

    def test_every_predecessor_function_exists_and_names_a_namespace(self):
        for name in ("ch_put", "ch_put_green", "ch_put_prodgreen", "ch_put_pink", "ch_put_violet", "ch_put_pink_v7"):
            self.assertTrue(callable(getattr(chspool, name)), name)
            self.assertIn(name, chspool.NAMESPACES)


if __name__ == "__main__":
    unittest.main()

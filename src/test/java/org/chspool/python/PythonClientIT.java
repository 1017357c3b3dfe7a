package org.chspool.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Python client's test suite ({@code clients/python/tests}, standard {@code unittest}) against the
 * real agent, which the Python tests start as child JVMs of this test's classpath (so they can kill and
 * restart it), and a real ClickHouse from the test harness. Passes only when every Python test ran (none
 * skipped) and passed; then checks the 100,000 pipelined rows in ClickHouse itself.
 */
@ExtendWith(ClickHouseServerExtension.class)
class PythonClientIT {
    static final Path CLIENT = Path.of("clients/python");

    @Test
    void thePythonClientSuitePassesAgainstTheRealAgentAndClickHouse(ClickHouseEndpoint ch) throws Exception {
        String db = ch.createDatabase("py_client");
        PythonRun.Result r = PythonRun.run(CLIENT, 900, env(ch, db),
                List.of("-m", "unittest", "discover", "-s", "tests", "-t", ".", "-v"));
        System.out.println(r.output());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("\nOK"), r.output());
        assertFalse(r.output().contains("skipped"), "no Python test may be skipped here:\n" + r.output());
        Matcher ran = Pattern.compile("Ran (\\d+) tests").matcher(r.output());
        assertTrue(ran.find() && Integer.parseInt(ran.group(1)) >= 34, r.output());
        assertEquals("100000\t100000", ch.query("SELECT count(), uniqExact(id) FROM " + db + ".py_pipelined").strip());
    }

    /** What clients/python/tests/harness.py needs to start agents and check ClickHouse. */
    static Map<String, String> env(ClickHouseEndpoint ch, String db) {
        return Map.of("PYTHONPATH", ".", "PYTHONDONTWRITEBYTECODE", "1",
                "CHSPOOL_TEST_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "CHSPOOL_TEST_CLASSPATH", System.getProperty("java.class.path"),
                "CHSPOOL_TEST_CH_URL", ch.url(), "CHSPOOL_TEST_CH_USER", ch.user(),
                "CHSPOOL_TEST_CH_PASS", ch.password() == null ? "" : ch.password(), "CHSPOOL_TEST_DB", db);
    }
}

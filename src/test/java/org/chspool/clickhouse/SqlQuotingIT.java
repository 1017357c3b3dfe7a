package org.chspool.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.chspool.testing.ClickHouseEndpoint;
import org.chspool.testing.ClickHouseServerExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Sql}'s quoting as a real ClickHouse reads it: hostile column names survive a CREATE, the sink's
 * insert (which reads the table's columns back from {@code system.columns}) and a SELECT; hostile strings
 * survive a literal round trip.
 */
@ExtendWith(ClickHouseServerExtension.class)
class SqlQuotingIT {
    private static final String DB = "chspool_sql_quoting_it";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Names that break naive quoting: back quote, backslash, both, dot, space, quote, comment, unicode. */
    static final List<String> HOSTILE = List.of("a`b", "a\\b", "x\\`y", "a.b", "two words", "it's", "--x", "ünï 名前 🚀");

    @BeforeAll
    static void createDatabase(ClickHouseEndpoint ch) {
        ch.createDatabase(DB);
    }

    @Test
    void hostileColumnNamesAreCreatedInsertedAndSelectedAsThemselves(ClickHouseEndpoint ch) throws Exception {
        StringBuilder ddl = new StringBuilder("CREATE TABLE " + DB + ".hostile (id UInt64");
        for (String name : HOSTILE) {
            ddl.append(", ").append(Sql.identifier(name)).append(" String");
        }
        ch.exec(ddl.append(") ENGINE = MergeTree ORDER BY id").toString());

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", 1);
        for (String name : HOSTILE) {
            row.put(name, "value of " + name);
        }
        try (ClickHouseSink sink = new ClickHouseSink(new ClickHouseSinkConfig(ch.url(), ch.user(), ch.password(), "default",
                Duration.ofSeconds(2), Duration.ofSeconds(10), true, true))) {
            sink.insert(DB, "hostile", List.of(JSON.writeValueAsBytes(row)), null);
        }

        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String line : ch.query("SELECT name FROM system.columns WHERE database = " + Sql.stringLiteral(DB)
                + " AND table = 'hostile' AND name != 'id' FORMAT JSONEachRow").trim().split("\n")) {
            names.add(JSON.readTree(line).get("name").asText());
        }
        assertEquals(new java.util.TreeSet<>(HOSTILE), names); // 18.16's system.columns has no position to order by
        for (String name : HOSTILE) {
            assertEquals("value of " + name, JSON.readTree(ch.query("SELECT " + Sql.identifier(name) + " AS v FROM " + DB
                    + ".hostile FORMAT JSONEachRow")).get("v").asText(), name);
        }
    }

    @Test
    void hostileStringsSurviveALiteralRoundTrip(ClickHouseEndpoint ch) throws Exception {
        for (String s : List.of("it's", "back\\slash", "\\'", "tab\tnew\nline\rcr", "nul\0byte", "`", "", "ünï 名前 🚀")) {
            String answer = ch.query("SELECT " + Sql.stringLiteral(s) + " AS v FORMAT JSONEachRow");
            assertEquals(s, JSON.readTree(answer.getBytes(StandardCharsets.UTF_8)).get("v").asText(), s);
        }
    }
}

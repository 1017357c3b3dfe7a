package org.chspool.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.chspool.http.formats.InputFormat;
import org.junit.jupiter.api.Test;

class StatementParserTest {
    @Test
    void quotedNamesColumnsSettingsAndCommentsAreUnderstoodAndEverySettingIsKept() throws Exception {
        String sql = "/* c */ insert into table `logs`.\"ev\" (`a`, b) -- x\n SETTINGS async_insert = 1, x='y' format NDJSON\n{";
        StatementParser.Insert ins = (StatementParser.Insert) StatementParser.parse(sql, false);
        assertEquals(new InsertStatement("logs", "ev", List.of("a", "b"), InputFormat.JSON_EACH_ROW,
                Map.of("async_insert", "1", "x", "y")), ins.statement());
        assertEquals(sql.indexOf('{'), ins.dataStart());
    }

    @Test
    void aStatementCutShortAsksForMoreInsteadOfFailing() throws Exception {
        String sql = "INSERT INTO t FORMAT JSONEachRow\n";
        for (int i = 1; i < sql.length(); i++) {
            assertNull(StatementParser.parse(sql.substring(0, i), false), "prefix of " + i + " chars");
        }
        assertEquals(sql.length(), ((StatementParser.Insert) StatementParser.parse(sql, false)).dataStart());
    }
}

package org.chspool.http.formats;

import java.util.Set;

/**
 * The one list of client settings that travel with spooled rows to ClickHouse: settings that say how the
 * input is read ({@code input_format_*}, {@code format_*}, {@code date_time_input_format}), so the same
 * body means the same thing as if it had gone to ClickHouse directly. Nothing that changes what
 * "accepted" means passes (an insert's deduplication, asynchronous inserts, quorum, distributed
 * forwarding: the agent sets those), nor the settings that let ClickHouse skip bad rows
 * ({@code input_format_allow_errors_*}: the agent quarantines rejected rows instead, so none is lost
 * silently), nor anything naming a file on the server ({@code format_schema}, {@code format_template_*}).
 * Stateless.
 */
public final class InputFormatSettings {
    private static final Set<String> REFUSED = Set.of("input_format_allow_errors_num", "input_format_allow_errors_ratio",
            "format_schema", "format_template_resultset", "format_template_row", "format_template_rows_between_delimiter",
            "format_regexp", "format_regexp_escaping_rule", "format_regexp_skip_unmatched", "input_format_parallel_parsing",
            "input_format_max_rows_to_read_for_schema_inference", "input_format_max_bytes_to_read_for_schema_inference");

    private InputFormatSettings() {}

    /**
     * The settings of a request that travel with its rows: allowed URL parameters, then the statement's
     * SETTINGS clause (which wins, as in ClickHouse). Others are ignored, as they always were.
     */
    public static java.util.Map<String, String> of(java.util.Map<String, String> urlParams,
                                                   java.util.Map<String, String> statementSettings) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        urlParams.forEach((k, v) -> {
            if (passes(k)) {
                out.put(k, v);
            }
        });
        statementSettings.forEach((k, v) -> {
            if (passes(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * False when the settings let rows have more or fewer fields than columns (any
     * {@code input_format_*_allow_variable_number_of_columns} on): the agent then does not check counts.
     */
    public static boolean fixedFieldCount(java.util.Map<String, String> settings) {
        for (var e : settings.entrySet()) {
            if (e.getKey().endsWith("_allow_variable_number_of_columns")
                    && (e.getValue().equals("1") || e.getValue().equalsIgnoreCase("true"))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the client's setting {@code name} is sent with its rows (else it is ignored, as before). */
    public static boolean passes(String name) {
        if (!name.matches("[a-z][a-z0-9_]{0,127}") || REFUSED.contains(name)) {
            return false;
        }
        return name.startsWith("input_format_") || name.startsWith("format_csv_") || name.startsWith("format_tsv_")
                || name.equals("date_time_input_format") || name.equals("format_custom_escaping_rule")
                || name.equals("cast_ipv4_ipv6_default_on_conversion_error");
    }
}

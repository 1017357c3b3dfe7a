package org.chspool.clickhouse;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The ClickHouse error codes the agent knows: the server's number and name, and what each says about a
 * failed insert ({@link Fault}). The one list of them: {@link FailureClassifier} judges the replayer's
 * failures by it, the HTTP endpoint answers with its codes, tests name them. Numbers are ClickHouse's own
 * ({@code src/Common/ErrorCodes.cpp}); a code the server sends that is not here is judged by its HTTP
 * status. Immutable.
 */
public enum ClickHouseCode {
    CANNOT_PARSE_TEXT(6, Fault.ROWS),
    INCORRECT_NUMBER_OF_COLUMNS(7, Fault.ROWS),
    NO_SUCH_COLUMN_IN_TABLE(16, Fault.ROWS),
    SIZE_OF_FIXED_STRING_DOESNT_MATCH(19, Fault.ROWS),
    CANNOT_PARSE_ESCAPE_SEQUENCE(25, Fault.ROWS),
    CANNOT_PARSE_QUOTED_STRING(26, Fault.ROWS),
    CANNOT_PARSE_INPUT_ASSERTION_FAILED(27, Fault.ROWS),
    ATTEMPT_TO_READ_AFTER_EOF(32, Fault.ROWS),
    CANNOT_READ_ALL_DATA(33, Fault.ROWS),
    BAD_ARGUMENTS(36, Fault.BY_STATUS),
    CANNOT_PARSE_DATE(38, Fault.ROWS),
    CANNOT_PARSE_DATETIME(41, Fault.ROWS),
    UNKNOWN_IDENTIFIER(47, Fault.ROWS),
    NOT_IMPLEMENTED(48, Fault.BY_STATUS),
    TYPE_MISMATCH(53, Fault.ROWS),
    UNKNOWN_TABLE(60, Fault.TABLE),
    SYNTAX_ERROR(62, Fault.ROWS),
    ARGUMENT_OUT_OF_BOUND(69, Fault.ROWS),
    CANNOT_CONVERT_TYPE(70, Fault.ROWS),
    CANNOT_PARSE_NUMBER(72, Fault.ROWS),
    UNKNOWN_FORMAT(73, Fault.ROWS),
    UNKNOWN_DATABASE(81, Fault.TABLE),
    NO_DATA_TO_INSERT(108, Fault.BY_STATUS),
    /** Capabilities changed under the sink (a server was downgraded); it probes again. */
    UNKNOWN_SETTING(115, Fault.SERVER),
    INCORRECT_DATA(117, Fault.ROWS),
    CANNOT_READ_ARRAY_FROM_TEXT(130, Fault.ROWS),
    TOO_LARGE_STRING_SIZE(131, Fault.ROWS),
    TIMEOUT_EXCEEDED(159, Fault.SERVER),
    READONLY(164, Fault.SERVER),
    CANNOT_ALLOCATE_MEMORY(173, Fault.SERVER),
    UNKNOWN_USER(192, Fault.SERVER),
    WRONG_PASSWORD(193, Fault.SERVER),
    REQUIRED_PASSWORD(194, Fault.SERVER),
    IP_ADDRESS_NOT_ALLOWED(195, Fault.SERVER),
    QUOTA_EXPIRED(201, Fault.SERVER),
    TOO_MANY_SIMULTANEOUS_QUERIES(202, Fault.SERVER),
    NO_FREE_CONNECTION(203, Fault.SERVER),
    SOCKET_TIMEOUT(209, Fault.SERVER),
    NETWORK_ERROR(210, Fault.SERVER),
    NO_ZOOKEEPER(225, Fault.SERVER),
    ABORTED(236, Fault.SERVER),
    MEMORY_LIMIT_EXCEEDED(241, Fault.SERVER),
    TABLE_IS_READ_ONLY(242, Fault.SERVER),
    NOT_ENOUGH_SPACE(243, Fault.SERVER),
    TOO_MANY_PARTS(252, Fault.SERVER),
    CANNOT_DECOMPRESS(271, Fault.BY_STATUS),
    TOO_FEW_LIVE_REPLICAS(285, Fault.SERVER),
    UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE(286, Fault.SERVER),
    DATABASE_ACCESS_DENIED(291, Fault.SERVER),
    TOO_MANY_BYTES(307, Fault.BY_STATUS),
    UNKNOWN_STATUS_OF_INSERT(319, Fault.SERVER),
    VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE(321, Fault.ROWS),
    CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN(349, Fault.ROWS),
    CANNOT_PARSE_UUID(376, Fault.ROWS),
    QUERY_WAS_CANCELLED(394, Fault.SERVER),
    DECIMAL_OVERFLOW(407, Fault.ROWS),
    SYSTEM_ERROR(425, Fault.SERVER),
    CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING(441, Fault.ROWS),
    ACCESS_DENIED(497, Fault.SERVER),
    AUTHENTICATION_FAILED(516, Fault.SERVER),
    KEEPER_EXCEPTION(999, Fault.SERVER);

    /** What a failed insert with this code says is wrong, and so what retrying the same batch can achieve. */
    public enum Fault {
        /** The rows themselves (parse errors, type mismatch...): resending them fails again; splitting finds them. */
        ROWS,
        /** The target table or database (missing): resending fails until it exists, but no row is to blame. */
        TABLE,
        /**
         * The server, its limits, the path to it, or its credentials and grants: a later attempt may well
         * succeed. Authentication is here too: it is not a property of the batch, and retrying keeps the rows
         * spooled until an operator fixes the credentials.
         */
        SERVER,
        /** Nothing known for an insert (codes the agent itself answers with): judged by the HTTP status. */
        BY_STATUS
    }

    private static final Map<Integer, ClickHouseCode> BY_NUMBER = new HashMap<>();

    static {
        for (ClickHouseCode c : values()) {
            BY_NUMBER.put(c.number, c);
        }
    }

    private final int number;
    private final Fault fault;

    ClickHouseCode(int number, Fault fault) {
        this.number = number;
        this.fault = fault;
    }

    /** The code with this number, if the agent knows it. */
    public static Optional<ClickHouseCode> of(int number) {
        return Optional.ofNullable(BY_NUMBER.get(number));
    }

    /** Whether {@code number} is this code (a failure's code is -1 when no answer came). */
    public boolean is(int number) {
        return this.number == number;
    }

    /** ClickHouse's number for it, as in {@code X-ClickHouse-Exception-Code} and {@code Code: N}. */
    public int number() {
        return number;
    }

    public Fault fault() {
        return fault;
    }
}

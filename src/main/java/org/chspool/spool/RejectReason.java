package org.chspool.spool;

/**
 * Why a row was not accepted into the spool. {@link #code()} is the wire code of protocol v1 and the
 * label of the rejection metric. The spool itself produces the last four; validation the first three.
 */
public enum RejectReason {
    BAD_REQUEST("bad_request"),
    BAD_TABLE("bad_table"),
    TOO_LARGE("too_large"),
    BUSY("busy"),
    SPOOL_FULL("spool_full"),
    IO_ERROR("io_error"),
    SHUTTING_DOWN("shutting_down");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}

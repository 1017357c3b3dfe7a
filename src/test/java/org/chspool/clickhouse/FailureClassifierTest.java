package org.chspool.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.clickhouse.client.api.ClientException;
import com.clickhouse.client.api.ServerException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutionException;
import org.chspool.clickhouse.ClickHouseFailure.Kind;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {
    private static final String OLD_SERVER_TEXT =
            "Code: 60, e.displayText() = DB::Exception: Table db.t doesn't exist., e.what() = DB::Exception (transport error: 404)";

    @Test
    void codeIsParsedFromOldAndNewServerTexts() {
        assertEquals(60, FailureClassifier.parseCode(OLD_SERVER_TEXT));
        assertEquals(81, FailureClassifier.parseCode("Code: 81. DB::Exception: Database x does not exist. (UNKNOWN_DATABASE)"));
        assertEquals(-1, FailureClassifier.parseCode("no code here"));
    }

    @Test
    void oldServerTextIsTidiedButKeepsTheServersWords() {
        ClickHouseFailure f = FailureClassifier.classify(new ServerException(0, OLD_SERVER_TEXT, 404, "q1"), "");
        assertEquals("Code: 60, DB::Exception: Table db.t doesn't exist.", f.getMessage());
        assertEquals(60, f.code());
        assertEquals(404, f.httpStatus());
        assertEquals(Kind.PERMANENT, f.kind());
    }

    @Test
    void headerCodeWinsOverText() {
        ClickHouseFailure f = FailureClassifier.classify(new ServerException(252, "Code: 1. too many parts", 500, "q"), "");
        assertEquals(252, f.code());
        assertTrue(f.isRetryable());
    }

    @Test
    void badDataAndMissingTargetsArePermanent() {
        for (int code : new int[] {6, 16, 26, 27, 33, 38, 41, 47, 53, 60, 72, 73, 81, 117}) {
            assertEquals(Kind.PERMANENT, FailureClassifier.kindOf(code, 500), "code " + code);
        }
    }

    @Test
    void overloadLimitsNetworkAndAuthAreRetryableWhateverTheStatus() {
        for (int code : new int[] {159, 209, 210, 241, 242, 252, 193, 516}) {
            assertEquals(Kind.RETRYABLE, FailureClassifier.kindOf(code, 400), "code " + code);
        }
    }

    @Test
    void onlyTheRowsCodesBlameTheRowsAMissingTableOrARetryableFailureDoesNot() {
        assertTrue(FailureClassifier.blamesRows(answer(ClickHouseCode.TYPE_MISMATCH, 400)));
        assertTrue(FailureClassifier.blamesRows(answer(ClickHouseCode.CANNOT_PARSE_INPUT_ASSERTION_FAILED, 400)));
        assertTrue(FailureClassifier.blamesRows(new ClickHouseFailure(Kind.PERMANENT, 9999, 400, "unknown 4xx", null)));
        assertFalse(FailureClassifier.blamesRows(answer(ClickHouseCode.UNKNOWN_TABLE, 404)));
        assertFalse(FailureClassifier.blamesRows(answer(ClickHouseCode.UNKNOWN_DATABASE, 404)));
        assertFalse(FailureClassifier.blamesRows(answer(ClickHouseCode.TOO_MANY_PARTS, 500)));
        assertFalse(FailureClassifier.blamesRows(new ClickHouseFailure(Kind.RETRYABLE, -1, -1, "refused", null)));
    }

    @Test
    void aFailedLookupBeforeAnInsertHoldsTheBatchBackWhateverItsCode() {
        ClickHouseFailure probe = answer(ClickHouseCode.SYNTAX_ERROR, 400);
        ClickHouseFailure held = FailureClassifier.heldBack("dedupe probe", probe);
        assertTrue(held.isRetryable());
        assertFalse(FailureClassifier.blamesRows(held));
        assertEquals(62, held.code());
        assertEquals(400, held.httpStatus());
        assertEquals("dedupe probe failed, batch held back: " + probe.description(), held.description());
    }

    @Test
    void everyKnownCodeHasItsOwnNumberAndIsFoundByIt() {
        java.util.Set<Integer> numbers = new java.util.HashSet<>();
        for (ClickHouseCode c : ClickHouseCode.values()) {
            assertTrue(numbers.add(c.number()), c + " repeats " + c.number());
            assertEquals(c, ClickHouseCode.of(c.number()).orElseThrow());
        }
        assertEquals(60, ClickHouseCode.UNKNOWN_TABLE.number());
        assertEquals(516, ClickHouseCode.AUTHENTICATION_FAILED.number());
        assertTrue(ClickHouseCode.of(9999).isEmpty());
    }

    private static ClickHouseFailure answer(ClickHouseCode code, int status) {
        return FailureClassifier.classify(new ServerException(code.number(), "Code: " + code.number() + ". DB::Exception: x", status, "q"), "");
    }

    @Test
    void unknownCodesFollowTheHttpStatus() {
        assertEquals(Kind.PERMANENT, FailureClassifier.kindOf(9999, 400));
        assertEquals(Kind.RETRYABLE, FailureClassifier.kindOf(9999, 500));
        assertEquals(Kind.RETRYABLE, FailureClassifier.kindOf(-1, -1));
    }

    @Test
    void transportFailuresAreRetryableWithoutCode() {
        ClickHouseFailure refused = FailureClassifier.classify(
                new ExecutionException(new ClientException("failed", new ConnectException("Connection refused"))), "");
        assertEquals(Kind.RETRYABLE, refused.kind());
        assertEquals(-1, refused.code());
        assertTrue(refused.isTransport());
        assertTrue(refused.getMessage().contains("ConnectException"), refused.getMessage());

        ClickHouseFailure timeout = FailureClassifier.classify(new SocketTimeoutException("Read timed out"), "");
        assertTrue(timeout.isRetryable());
    }

    private static final ClickHouseSinkConfig SERVER = ClickHouseSinkConfig.of("http://127.0.0.1:58635", "default", "s3cret")
            .withTimeouts(java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30));

    @Test
    void aRefusedConnectionSaysSoAndNamesTheServerBeforeTheClassAndCodes() {
        ClickHouseFailure f = FailureClassifier.classify(new ExecutionException(new ClientException("failed",
                new ConnectException("Connect to http://127.0.0.1:58635 [/127.0.0.1] failed: Connection refused"))), SERVER);

        assertTrue(f.summary().startsWith("connection refused by http://127.0.0.1:58635 (RETRYABLE, no answer: "),
                f.summary());
        assertTrue(f.summary().endsWith("ConnectException: Connect to http://127.0.0.1:58635 [/127.0.0.1] failed:"
                + " Connection refused)"), f.summary());
    }

    @Test
    void timeoutsSayAfterHowLong() {
        ClickHouseFailure read = FailureClassifier.classify(new ClientException("failed",
                new SocketTimeoutException("Read timed out")), SERVER);
        assertTrue(read.summary().startsWith("timed out after 30 s waiting for http://127.0.0.1:58635 to answer"),
                read.summary());

        ClickHouseFailure connect = FailureClassifier.classify(new SocketTimeoutException("Connect timed out"), SERVER);
        assertTrue(connect.summary().startsWith("could not connect to http://127.0.0.1:58635 within 5 s"), connect.summary());
    }

    @Test
    void otherTransportFailuresAreNamedInWords() {
        assertTrue(FailureClassifier.classify(new java.net.UnknownHostException("ch-9"), SERVER).summary()
                .startsWith("unknown host ch-9 (DNS) for http://127.0.0.1:58635"));
        assertTrue(FailureClassifier.classify(new java.net.SocketException("Connection reset"), SERVER).summary()
                .startsWith("connection reset by http://127.0.0.1:58635"));
        assertTrue(FailureClassifier.classify(new ConnectException(
                "Server returned '503 Service Unavailable'. Check network settings."), SERVER).summary()
                .startsWith("http://127.0.0.1:58635 answered HTTP 503 Service Unavailable"));
    }

    @Test
    void aServerErrorSaysTheClickHouseCodeAndTheServersWordsFirst() {
        ClickHouseFailure old = FailureClassifier.classify(new ServerException(0, OLD_SERVER_TEXT, 404, "q1"), SERVER);
        assertEquals("ClickHouse code 60: Table db.t doesn't exist. (PERMANENT code=60 http=404)", old.summary());

        ClickHouseFailure current = FailureClassifier.classify(new ServerException(60,
                "Code: 60. DB::Exception: Table db.x does not exist. (UNKNOWN_TABLE) (version 24.8.1.1)", 404, "q"), SERVER);
        assertEquals("ClickHouse code 60 (UNKNOWN_TABLE): Table db.x does not exist. (PERMANENT code=60 http=404)",
                current.summary());

        ClickHouseFailure noCode = FailureClassifier.classify(new ServerException(0, "Bad Gateway", 502, "q"), SERVER);
        assertTrue(noCode.summary().startsWith("http://127.0.0.1:58635 answered HTTP 502: Bad Gateway"), noCode.summary());
    }

    @Test
    void theWordsKeepThePasswordMaskedToo() {
        ClickHouseFailure f = FailureClassifier.classify(
                new ServerException(193, "Code: 193. DB::Exception: Wrong password s3cret for user default", 401, "q"), SERVER);
        assertFalse(f.summary().contains("s3cret"), f.summary());
        assertTrue(f.summary().startsWith("ClickHouse code 193: Wrong password **** for user default"), f.summary());
    }

    @Test
    void passwordIsMaskedAndACauseMentioningItIsDropped() {
        String pw = "p@ss word";
        ClickHouseFailure f = FailureClassifier.classify(
                new ServerException(0, "Code: 193, wrong password " + pw + " / p%40ss+word", 401, "q"), pw);
        assertFalse(f.getMessage().contains(pw), f.getMessage());
        assertFalse(f.getMessage().contains("p%40ss+word"), f.getMessage());
        assertNull(f.getCause());
    }

    @Test
    void longMessagesAreTrimmed() {
        ClickHouseFailure f = FailureClassifier.classify(new ServerException(0, "Code: 27, " + "x".repeat(5000), 400, "q"), "");
        assertEquals(ClickHouseFailure.MAX_MESSAGE, f.getMessage().length());
    }
}

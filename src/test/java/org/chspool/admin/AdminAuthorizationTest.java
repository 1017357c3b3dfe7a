package org.chspool.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.chspool.config.Secret;
import org.junit.jupiter.api.Test;

/** The bearer check reads the header as HTTP does, and nothing but the token itself passes. */
class AdminAuthorizationTest {
    private final AdminAuthorization auth = new AdminAuthorization(Secret.of("s3cret-token"), null);

    @Test
    void theTokenPassesWithTheWhitespaceHttpAllowsAroundIt() {
        assertTrue(auth.bearerMatches("Bearer s3cret-token"));
        assertTrue(auth.bearerMatches("bearer s3cret-token"), "the scheme is case-insensitive (RFC 9110, 11.1)");
        assertTrue(auth.bearerMatches("Bearer s3cret-token "), "no trailing whitespace in a field value (RFC 9110, 5.5)");
        assertTrue(auth.bearerMatches("Bearer  s3cret-token"), "1*SP after the scheme (RFC 9110, 11.4)");
    }

    @Test
    void anythingElseIsRefused() {
        for (String h : new String[] {null, "", "Bearer", "Bearer ", "Bearers3cret-token", "Bearer s3cret-token-",
                "Bearer s3cret-toke", "Bearer S3CRET-TOKEN", "Bearer s3cret token", "Basic s3cret-token",
                "Token s3cret-token", "Bearer s3cret-token\u0000"}) {
            assertFalse(auth.bearerMatches(h), String.valueOf(h));
        }
        assertFalse(new AdminAuthorization(Secret.NONE, null).bearerMatches("Bearer "), "no token configured");
    }
}

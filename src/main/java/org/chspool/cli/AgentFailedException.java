package org.chspool.cli;

/**
 * An agent answered, but with an error where a status was expected (HTTP 5xx): it runs, yet cannot say
 * how it is, which {@code spoolctl status} reports as DOWN (exit 2), naming the agent and its answer.
 */
public final class AgentFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    public AgentFailedException(String message) {
        super(message);
    }
}

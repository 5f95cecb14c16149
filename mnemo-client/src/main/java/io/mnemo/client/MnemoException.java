package io.mnemo.client;

import java.time.Duration;
import java.util.Optional;

/**
 * A refusal by a Mnemo service that retrying cannot change (or that retries did not get past): the HTTP status
 * (0 when no answer came), the problem type ({@code urn:mnemo:problem:...}) and the answer's body.
 */
public final class MnemoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String problemType;
    private final transient Optional<Duration> retryAfter;
    private final String body;

    MnemoException(int status, String problemType, String detail, Optional<Duration> retryAfter, String body,
                   Throwable cause) {
        super(status == 0 ? "no answer: " + detail : status + " " + problemType + ": " + detail, cause);
        this.status = status;
        this.problemType = problemType;
        this.retryAfter = retryAfter;
        this.body = body;
    }

    public int status() {
        return status;
    }

    /** {@code urn:mnemo:problem:<slug>}: what to branch on; empty when the answer had no problem document. */
    public String problemType() {
        return problemType;
    }

    /** The answer's Retry-After, when it had one (429, 503). */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    public String body() {
        return body;
    }
}

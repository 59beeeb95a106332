package io.muster.client;

/**
 * A call that did not succeed: the server's {@code {"error", "code"}} with the HTTP status, or a transport
 * problem (status 0: unreachable, TLS, timeout). {@link #getMessage()} is one line, fit for a terminal.
 */
public final class MusterApiException extends RuntimeException {
    /** Codes for failures that never reached a server answer. */
    public static final String UNREACHABLE = "UNREACHABLE";
    public static final String TLS = "TLS";
    public static final String TIMEOUT = "TIMEOUT";
    public static final String BAD_RESPONSE = "BAD_RESPONSE";
    public static final String REDIRECT = "REDIRECT";

    private final int status;
    private final String code;

    public MusterApiException(int status, String code, String message) {
        this(status, code, message, null);
    }

    public MusterApiException(int status, String code, String message, Throwable cause) {
        super(oneLine(message), cause);
        this.status = status;
        this.code = code == null ? "" : code;
    }

    /** The HTTP status, or 0 when there was no HTTP answer. */
    public int status() {
        return status;
    }

    /** The server's stable error code (e.g. {@code NO_QUORUM}, {@code ACL_TOKEN_INVALID}) or one of this class's. */
    public String code() {
        return code;
    }

    /** Worth retrying later: no quorum or leader right now, or the server could not be reached. */
    public boolean isTransient() {
        return status == 503 || status == 0 && !code.equals(TLS);
    }

    /** The message with the status and code appended, e.g. {@code "... (HTTP 403 ACL_TOKEN_INVALID)"}. */
    public String describe() {
        if (status == 0) return getMessage();
        return getMessage() + " (HTTP " + status + (code.isEmpty() ? "" : " " + code) + ")";
    }

    private static String oneLine(String s) {
        if (s == null || s.isBlank()) return "no details";
        // A multi-problem message ("x: 2 problems:\n  - a\n  - b") becomes "x: 2 problems: a; b".
        return s.strip().replaceAll(":\\s*\\R\\s*(- )?", ": ").replaceAll("\\s*\\R\\s*(- )?", "; ");
    }
}

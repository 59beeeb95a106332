package io.muster.loadtest.api;

/** A failed API call: HTTP status (0 when the server could not be reached) and the server's error text. */
public final class ApiException extends Exception {
    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public ApiException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.code = "UNREACHABLE";
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}

package io.muster.server.service;

import io.muster.proto.raft.CommandResult;

/**
 * A request the service layer cannot serve, with a stable code and the HTTP status the REST API answers it with; the
 * gRPC API maps the same status to its own code (404 NOT_FOUND, 400 INVALID_ARGUMENT, 409 FAILED_PRECONDITION...).
 */
public class ServiceException extends RuntimeException {
    private final int status;
    private final String code;

    public ServiceException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** A command the state machine refused, by its stable code. */
    public static ServiceException rejected(CommandResult r) {
        return new ServiceException(statusFor(r), r.getErrorCode(), r.getError());
    }

    /** HTTP status for a rejected command, by its stable code. */
    public static int statusFor(CommandResult r) {
        String code = r.getErrorCode();
        if (code.endsWith("NOT_FOUND") || code.equals("TOKEN_UNKNOWN")) return 404;
        if (code.startsWith("TOO_MANY")) return 429;
        // A spec that parses but names what the cluster does not have: an unknown action, a node that is not there.
        if (code.equals("UNKNOWN_ACTION") || code.equals("NO_SUCH_NODE") || code.equals("INVALID_SPEC")) return 422;
        return 409;
    }

    /** Completes a write's result: the applied result when the command was accepted, else this exception. */
    static CommandResult accepted(CommandResult r) {
        if (!r.getOk()) throw rejected(r);
        return r;
    }
}

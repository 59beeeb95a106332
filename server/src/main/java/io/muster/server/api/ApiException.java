package io.muster.server.api;

import io.muster.server.service.ServiceException;

/** A request that cannot be served, with the HTTP status and a stable code (the REST layer's own refusals). */
public final class ApiException extends ServiceException {
    public ApiException(int status, String code, String message) {
        super(status, code, message);
    }
}

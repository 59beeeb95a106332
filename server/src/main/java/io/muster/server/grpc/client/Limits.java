package io.muster.server.grpc.client;

import io.muster.server.service.ServiceException;

/** The REST API's bounds on paging parameters, for the gRPC messages' fields (0: the field was not set). */
final class Limits {
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 1000;

    private Limits() {}

    static int page(int value, String field) {
        if (value == 0) return DEFAULT_PAGE;
        if (value < 0 || value > MAX_PAGE) throw new ServiceException(400, "BAD_REQUEST", field + " must be between 1 and " + MAX_PAGE);
        return value;
    }
}

/**
 * The service layer: what the REST API ({@link io.muster.server.api}) and the client gRPC API
 * ({@link io.muster.server.grpc.client}) both do, written once and free of either transport. Reads take one snapshot;
 * writes go through the {@link io.muster.server.Proposer}; refusals are {@link io.muster.server.service.ServiceException}s.
 */
package io.muster.server.service;

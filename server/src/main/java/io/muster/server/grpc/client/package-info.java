/**
 * The client gRPC API ({@code muster.client.v1}, proto/src/main/proto/muster/v1/client.proto) on {@code client_grpc_addr}:
 * thin adapters from its messages to the transport-free service layer ({@link io.muster.server.service}) that the REST
 * API uses too, with the same ACL tokens and permissions, leader forwarding of leader-only reads, reflection and health.
 */
package io.muster.server.grpc.client;

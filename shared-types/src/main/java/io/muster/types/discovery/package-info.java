/**
 * LAN discovery's shared parts: the announcement servers multicast and workers read, its strict datagram codec, and
 * the group/port/timing settings both sides agree on. Nothing here is trusted: an announcement only says where to
 * dial; the join token's CA pin decides whether the server at that address belongs to the cluster.
 */
package io.muster.types.discovery;

/**
 * Apache Ratis: the state machine adapter (decode, apply, snapshot files), the Raft node (properties, TLS,
 * membership, leader transfer) and the gate that admits only member servers on the Raft port. Knows the state
 * through its public API; knows nothing of REST or the worker protocol.
 */
package io.muster.server.raft;

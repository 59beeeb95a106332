package io.muster.types.config;

/** One Raft control-plane server: its id, Raft address and API address. */
public record Peer(int id, HostPort raftAddr, HostPort apiAddr) {}

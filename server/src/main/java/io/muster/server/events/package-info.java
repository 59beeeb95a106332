/**
 * The event stream, free of any transport: {@link io.muster.server.events.EventRecorder} turns each applied Raft entry's
 * changes into {@link io.muster.server.events.StateEvent}s (every server, follower included, builds the same events from
 * its own state machine), {@link io.muster.server.events.EventJournal} keeps the newest of them in a bounded ring, and
 * {@link io.muster.server.events.EventBroker} serves subscriptions from an index ({@code subscribe(fromIndex, filter,
 * sink)}). The REST NDJSON adapter is {@code io.muster.server.api.EventApi}; a gRPC adapter wraps the same broker.
 * May not import Vert.x, gRPC or Ratis.
 */
package io.muster.server.events;

/**
 * LAN announcements: a server that has {@code discovery: {announce: true}} multicasts its cluster id, server id and
 * worker gRPC address, so that {@code muster worker --discover} needs only a join token. See docs/SECURITY.md for
 * why this is safe to say out loud.
 */
package io.muster.server.discovery;

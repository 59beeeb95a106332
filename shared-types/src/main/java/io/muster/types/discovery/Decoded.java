package io.muster.types.discovery;

/** The outcome of reading one datagram: an announcement, or why it was dropped. */
public sealed interface Decoded {

    record Accepted(Announcement announcement) implements Decoded {}

    /**
     * A datagram that is not a valid announcement of a version this build reads. {@code reason} never quotes the
     * datagram's bytes: they come from anyone on the segment and end up in logs.
     */
    record Dropped(Reason reason) implements Decoded {}

    enum Reason { OVERSIZED, NOT_MUSTER, UNKNOWN_VERSION, MALFORMED }
}

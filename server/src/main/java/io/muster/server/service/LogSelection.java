package io.muster.server.service;

import io.muster.proto.LogFollowRequest;
import java.time.Clock;
import java.time.Duration;

/**
 * What part of a task's output a log request wants, whatever the transport; {@link #request} turns it into the
 * template of the follow sent to the worker (node and allocation filled per allocation).
 *
 * @param tailLines the last N lines first; null with {@code tailAll} false: the default (everything kept when not
 *                  following, the last 10 lines when following, everything since {@code since} when that is given)
 * @param since     only output younger than this; null: no bound
 */
public record LogSelection(boolean follow, boolean stdout, boolean stderr, String task, Integer tailLines, boolean tailAll, Duration since) {
    public LogFollowRequest request(Clock clock) {
        LogFollowRequest.Builder b = LogFollowRequest.newBuilder().setFollow(follow).setStdout(stdout).setStderr(stderr);
        if (task != null && !task.isEmpty()) b.setTask(task);
        boolean defaultTail = tailLines == null && !tailAll;
        if (tailAll) b.setTailAll(true);
        else if (tailLines != null) b.setTailLines(tailLines);
        else b.setTailAll(!follow).setTailLines(follow ? 10 : 0);
        if (since != null) {
            b.setSinceUnixMs(clock.millis() - since.toMillis());
            if (defaultTail) b.setTailAll(true).setTailLines(0);
        }
        return b.build();
    }
}

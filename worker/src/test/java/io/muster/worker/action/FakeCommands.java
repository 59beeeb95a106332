package io.muster.worker.action;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The process boundary, faked: records every command and answers with scripted exit codes and output lines. */
final class FakeCommands implements CommandRunner {
    record Reply(int exitCode, List<String> lines) {}

    final List<Command> calls = new CopyOnWriteArrayList<>();
    private final Deque<Reply> replies = new ArrayDeque<>();

    FakeCommands reply(int exitCode, String... lines) {
        replies.add(new Reply(exitCode, List.of(lines)));
        return this;
    }

    @Override
    public synchronized Result run(Command command) {
        calls.add(command);
        Reply r = replies.isEmpty() ? new Reply(0, List.of()) : replies.poll();
        r.lines().forEach(command.output());
        return new Result(r.exitCode(), false, false, "");
    }

    Command only() {
        if (calls.size() != 1) {
            throw new AssertionError("expected one command, got " + calls);
        }
        return calls.get(0);
    }
}

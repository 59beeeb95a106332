package io.muster.worker.action;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link ActionContext} for tests: a fixed clock, recorded output and sleeps, fake commands. */
final class Ctx {
    static final Instant NOW = Instant.parse("2026-12-07T03:00:00Z");

    final List<String> stdout = new CopyOnWriteArrayList<>();
    final List<String> stderr = new CopyOnWriteArrayList<>();
    final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    final FakeCommands commands = new FakeCommands();
    final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    ActionContext context(String allocId, Duration timeout) {
        return context(allocId, timeout, commands);
    }

    ActionContext context(String allocId, Duration timeout, CommandRunner runner) {
        return new ActionContext(allocId, timeout == null ? null : NOW.plus(timeout), clock, new ActionContext.Output() {
            @Override
            public void stdout(String line) {
                stdout.add(line);
            }

            @Override
            public void stderr(String line) {
                stderr.add(line);
            }
        }, runner, sleeps::add);
    }
}

package io.muster.worker.action;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.muster.worker.driver.TaskResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code <allocDir>/.muster-action}: that an action was started for this allocation, and how it ended once it did.
 * An action runs inside the worker process and cannot be re-attached after a restart; this record is what lets the
 * next worker process tell "started but its end unknown" (reported LOST, never run again by itself) from "ended"
 * (its recorded result reported again) from "never started".
 *
 * @param finished false while the action runs (or when the worker died during it)
 * @param outcome the {@link TaskResult.Outcome} name once finished
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record ActionRecord(String backend, String action, long startedUnixMs, boolean finished, String outcome, int exitCode,
                    String message, long finishedUnixMs) {

    static final String FILE = ".muster-action";
    private static final ObjectMapper JSON = new ObjectMapper();

    static ActionRecord running(String backend, String action, Instant startedAt) {
        return new ActionRecord(backend, action, startedAt.toEpochMilli(), false, null, TaskResult.UNKNOWN_EXIT_CODE, null, 0);
    }

    ActionRecord finish(TaskResult r) {
        return new ActionRecord(backend, action, startedUnixMs, true, r.outcome().name(), r.exitCode(), r.message(),
                r.finishedAt().toEpochMilli());
    }

    TaskResult result() {
        return new TaskResult(TaskResult.Outcome.valueOf(outcome), exitCode, message == null ? "" : message,
                Instant.ofEpochMilli(startedUnixMs), Instant.ofEpochMilli(finishedUnixMs));
    }

    /** Written to a temporary file and renamed, so a crash leaves the old record or the new one. */
    void write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(this));
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static Optional<ActionRecord> read(Path dir) throws IOException {
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(dir.resolve(FILE)), ActionRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }
}

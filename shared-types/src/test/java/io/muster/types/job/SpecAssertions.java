package io.muster.types.job;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.stream.Collectors;

/** Helpers to assert on parse errors. */
final class SpecAssertions {
    private SpecAssertions() {
    }

    static final JobSpecParser PARSER = JobSpecParser.withIdGenerator(() -> "generated");

    static List<SpecError> errorsOf(String text) {
        return assertThrows(JobSpecException.class, () -> PARSER.parse(text)).errors();
    }

    /** Asserts the text fails with an error at exactly this path, line and column whose message contains text. */
    static SpecError assertError(String text, String path, int line, int column, String messagePart) {
        List<SpecError> errors = errorsOf(text);
        for (SpecError e : errors) {
            if (e.path().equals(path) && e.line() == line && e.column() == column
                    && e.message().contains(messagePart)) {
                return e;
            }
        }
        return fail("expected " + path + ": ..." + messagePart + "... (line " + line + ", column " + column
                + ") among:\n" + errors.stream().map(SpecError::toString).collect(Collectors.joining("\n")));
    }
}

package io.muster.types.job;

import java.util.List;
import java.util.stream.Collectors;

/** A job spec was rejected; {@link #errors()} lists every problem found, in document order. */
public final class JobSpecException extends IllegalArgumentException {
    private final String source;
    private final transient List<SpecError> errors;

    public JobSpecException(String source, List<SpecError> errors) {
        super(render(source, errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a JobSpecException needs at least one error");
        }
        this.source = source;
        this.errors = List.copyOf(errors);
    }

    /** The source name given to the parser (usually a file name), or {@code null}. */
    public String source() {
        return source;
    }

    public List<SpecError> errors() {
        return errors;
    }

    private static String render(String source, List<SpecError> errors) {
        return errors.stream().map(e -> e.format(source)).collect(Collectors.joining("\n"));
    }
}

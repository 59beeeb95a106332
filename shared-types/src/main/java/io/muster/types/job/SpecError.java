package io.muster.types.job;

/**
 * One problem found in a job spec.
 *
 * @param path    where, e.g. {@code groups[0].tasks[1].resources.memory}; empty for the document itself
 * @param message what is wrong, e.g. {@code must be a positive integer}
 * @param line    1-based line in the source text, 0 when unknown
 * @param column  1-based column in the source text, 0 when unknown
 */
public record SpecError(String path, String message, int line, int column) {

    public SpecError {
        path = path == null ? "" : path;
    }

    /** {@code path: message (line L, column C)}, without location when unknown. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(path.isEmpty() ? "(document)" : path).append(": ").append(message);
        if (line > 0) {
            sb.append(" (line ").append(line).append(", column ").append(column).append(')');
        }
        return sb.toString();
    }

    /** {@link #toString()} prefixed with {@code source: } when a source name is given. */
    public String format(String source) {
        return source == null || source.isEmpty() ? toString() : source + ": " + this;
    }
}

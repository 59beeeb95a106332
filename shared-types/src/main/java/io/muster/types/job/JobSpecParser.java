package io.muster.types.job;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.muster.types.yaml.SourceTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Parses job specs written in YAML or JSON into validated {@link JobSpec}s.
 *
 * <p>Every problem is collected, not only the first, and each names the field path and the line and column where
 * it was written: {@code groups[0].tasks[1].resources.memory: must be a positive integer (line 14, column 21)},
 * prefixed with {@code source: } when a source name (usually the file name) is given. Unknown fields are errors
 * (with a "did you mean" hint), so a misspelled key never silently falls back to a default.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class JobSpecParser {
    private static final int MAX_NESTING = 64;
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build();
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build();

    private final Supplier<String> idGenerator;

    private JobSpecParser(Supplier<String> idGenerator) {
        this.idGenerator = idGenerator;
    }

    /** A parser for specs that must carry their own {@code id} (canonical JSON, stored specs). */
    public static JobSpecParser strict() {
        return new JobSpecParser(null);
    }

    /**
     * A parser that assigns {@code ids.get()} to specs without an {@code id}. The generator must return valid
     * job ids ({@value JobSpecLimits#NAME_SYNTAX}); it is called at most once per parse.
     */
    public static JobSpecParser withIdGenerator(Supplier<String> ids) {
        return new JobSpecParser(Objects.requireNonNull(ids, "ids"));
    }

    /** Parses text whose format is detected from its content. */
    public JobSpec parse(String text) {
        return parse(text, SpecFormat.detect(text), null);
    }

    /** Parses text; the format comes from {@code sourceName}'s extension, else from the content. */
    public JobSpec parse(String text, String sourceName) {
        return parse(text, SpecFormat.forFileName(sourceName).orElseGet(() -> SpecFormat.detect(text)), sourceName);
    }

    /**
     * Parses text in the given format.
     *
     * @param sourceName prefixed to error messages when not {@code null} (e.g. the file name)
     * @throws JobSpecException listing every problem found
     */
    public JobSpec parse(String text, SpecFormat format, String sourceName) {
        Objects.requireNonNull(text, "text");
        if (text.length() > JobSpecLimits.MAX_SPEC_BYTES) {
            throw tooLarge(sourceName, text.length(), "characters");
        }
        return doParse(text, format, sourceName);
    }

    /** Parses UTF-8 bytes in the given format (or detected from content when {@code format} is null). */
    public JobSpec parse(byte[] utf8, SpecFormat format, String sourceName) {
        if (utf8.length > JobSpecLimits.MAX_SPEC_BYTES) {
            throw tooLarge(sourceName, utf8.length, "bytes");
        }
        String text = new String(utf8, StandardCharsets.UTF_8);
        return doParse(text, format == null ? SpecFormat.detect(text) : format, sourceName);
    }

    /** Reads and parses a file; format by extension, else by content; errors are prefixed with the file name. */
    public JobSpec parseFile(Path file) throws IOException {
        if (Files.size(file) > JobSpecLimits.MAX_SPEC_BYTES) {
            throw tooLarge(file.toString(), Files.size(file), "bytes");
        }
        byte[] bytes = Files.readAllBytes(file);
        String name = file.toString();
        return parse(bytes, SpecFormat.forFileName(name).orElse(null), name);
    }

    private JobSpec doParse(String text, SpecFormat format, String sourceName) {
        List<SpecError> errors = new ArrayList<>();
        SourceTree.Node root = readTree(text, format, errors);
        JobSpec spec = null;
        if (root != null) {
            spec = new SpecReader(errors, idGenerator).readJob(root);
        }
        if (!errors.isEmpty()) {
            // Document order reads best; the reader visits some keys out of order (type before id).
            errors.sort(Comparator.comparingInt(SpecError::line).thenComparingInt(SpecError::column));
            throw new JobSpecException(sourceName, errors);
        }
        if (spec == null) {
            throw new IllegalStateException("job spec reader returned nothing but reported no error");
        }
        return spec;
    }

    /** Text to located tree; syntax errors and duplicate keys go to {@code errors}. */
    private static SourceTree.Node readTree(String text, SpecFormat format, List<SpecError> errors) {
        JsonFactory factory = format == SpecFormat.JSON ? JSON : YAML;
        JsonParser p = null;
        try {
            p = factory.createParser(text);
            JsonToken first = p.nextToken();
            if (first == null) {
                errors.add(new SpecError("", "the job spec is empty", 0, 0));
                return null;
            }
            SourceTree.Node root = SourceTree.read(p, "",
                    (path, key, loc, firstLoc) -> errors.add(new SpecError(path, "duplicate key '" + key + "'",
                            loc.line(), loc.column())));
            JsonToken extra = p.nextToken();
            if (extra != null) {
                SourceTree.Loc loc = SourceTree.Loc.of(p.currentTokenLocation());
                errors.add(new SpecError("", format == SpecFormat.YAML
                        ? "only one YAML document is allowed"
                        : "unexpected content after the end of the job spec", loc.line(), loc.column()));
            }
            return root;
        } catch (JsonProcessingException e) {
            SourceTree.Loc loc = syntaxLocation(e);
            errors.add(new SpecError(syntaxPath(p), syntaxMessage(format, e), loc.line(), loc.column()));
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("reading a job spec from memory failed", e);
        } finally {
            closeQuietly(p);
        }
    }

    /** Where the problem is: SnakeYAML's problem mark when there is one (Jackson reports the context's start). */
    private static SourceTree.Loc syntaxLocation(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            return new SourceTree.Loc(m.getProblemMark().getLine() + 1, m.getProblemMark().getColumn() + 1);
        }
        return SourceTree.Loc.of(e.getLocation());
    }

    /** Best-effort path of a syntax error, from the parser's context. */
    private static String syntaxPath(JsonParser p) {
        if (p == null || p.getParsingContext() == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String seg : p.getParsingContext().pathAsPointer().toString().split("/")) {
            if (seg.isEmpty()) {
                continue;
            }
            String s = seg.replace("~1", "/").replace("~0", "~");
            if (s.chars().allMatch(Character::isDigit)) {
                sb.append('[').append(s).append(']');
            } else {
                String joined = SourceTree.join(sb.toString(), s);
                sb.setLength(0);
                sb.append(joined);
            }
        }
        return sb.toString();
    }

    /** Jackson's message without its own location and source-dump lines (we print those ourselves). */
    static String syntaxMessage(SpecFormat format, JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? "malformed input" : e.getOriginalMessage();
        StringBuilder sb = new StringBuilder(format == SpecFormat.YAML ? "invalid YAML: " : "invalid JSON: ");
        String sep = "";
        for (String line : original.split("\n")) {
            String l = line.strip();
            // SnakeYAML repeats the offending source line, a caret, and " in 'reader', line N" marks.
            if (l.isEmpty() || l.startsWith("in '") || l.equals("^") || line.startsWith(" ")) {
                continue;
            }
            sb.append(sep).append(l);
            sep = " ";
        }
        return sb.toString();
    }

    private static JobSpecException tooLarge(String source, long size, String unit) {
        return new JobSpecException(source, List.of(new SpecError("",
                "the job spec is " + size + " " + unit + "; the limit is " + JobSpecLimits.MAX_SPEC_BYTES, 0, 0)));
    }

    private static void closeQuietly(JsonParser p) {
        if (p != null) {
            try {
                p.close();
            } catch (IOException ignored) {
                // Closing an in-memory parser cannot lose data.
            }
        }
    }
}

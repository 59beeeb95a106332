package io.muster.types.yaml;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A YAML or JSON document as a tree that remembers where each key and value was written. Jackson's own tree drops
 * locations, and every config and job spec error must name its line and column, so both are first read into this
 * tree from Jackson's streaming tokens: {@link #parse} for whole documents (server and worker configs), {@link #read}
 * for callers that drive the parser themselves and collect problems (job specs).
 */
public final class SourceTree {
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    private SourceTree() {
    }

    /** 1-based position in the text; {@link #NONE} when unknown. */
    public record Loc(int line, int column) {
        public static final Loc NONE = new Loc(0, 0);

        public static Loc of(JsonLocation l) {
            return l == null || l.getLineNr() < 1 ? NONE : new Loc(l.getLineNr(), Math.max(1, l.getColumnNr()));
        }

        /** {@code line L, column C}. */
        public String where() {
            return "line " + line + ", column " + column;
        }
    }

    public sealed interface Node permits Obj, Arr, Scalar {
        Loc loc();

        /** {@code line L, column C} of this value. */
        default String where() {
            return loc().where();
        }
    }

    public record Field(String key, Loc keyLoc, Node value) {
    }

    /** A mapping; fields in document order. */
    public record Obj(Map<String, Field> fields, Loc loc) implements Node {
        public Obj {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        /** Key to value, in document order. */
        public Map<String, Node> entries() {
            Map<String, Node> out = new LinkedHashMap<>();
            fields.forEach((k, f) -> out.put(k, f.value()));
            return Collections.unmodifiableMap(out);
        }

        /** A mapping written by the program rather than read, e.g. a default section. */
        public static Obj of(Map<String, Node> entries, Loc loc) {
            Map<String, Field> fields = new LinkedHashMap<>();
            entries.forEach((k, v) -> fields.put(k, new Field(k, v.loc(), v)));
            return new Obj(fields, loc);
        }
    }

    public record Arr(List<Node> items, Loc loc) implements Node {
    }

    public enum Kind { STRING, INT, FLOAT, BOOL, NULL }

    /**
     * A scalar. {@code text} is the value as written (so {@code 1.50} stays "1.50" when a string is expected);
     * {@code number} is set for INT (a {@link java.math.BigInteger} or {@link Long}).
     */
    public record Scalar(Kind kind, String text, Number number, Loc loc) implements Node {
        public boolean isNull() {
            return kind == Kind.NULL;
        }

        public static Scalar string(String text, Loc loc) {
            return new Scalar(Kind.STRING, text, null, loc);
        }
    }

    /** Reports a duplicate key; reading goes on with the first occurrence. */
    public interface DuplicateSink {
        void duplicate(String path, String key, Loc loc, Loc first);
    }

    /** A document that cannot be read: bad syntax or a duplicate key. The message names line and column. */
    public static final class SyntaxException extends Exception {
        public SyntaxException(String message) {
            super(message);
        }
    }

    /**
     * Reads one whole YAML (or JSON, a subset) document; an empty document is an empty mapping. Syntax errors,
     * duplicate keys and a second document are errors.
     */
    public static Node parse(String text) throws SyntaxException {
        YAMLFactory factory = new YAMLFactory();
        List<String> duplicates = new ArrayList<>();
        try (JsonParser p = factory.createParser(text)) {
            if (p.nextToken() == null) return new Obj(Map.of(), new Loc(1, 1));
            Node root = read(p, "", (path, key, loc, first) -> duplicates.add("duplicate key '" + key + "' (" + loc.where()
                    + "; first at line " + first.line() + ")"));
            if (!duplicates.isEmpty()) throw new SyntaxException(duplicates.getFirst());
            if (p.nextToken() != null) {
                throw new SyntaxException("unexpected content after the document (line " + p.currentTokenLocation().getLineNr() + ")");
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            if (nl > 0) msg = msg.substring(0, nl);
            throw new SyntaxException("invalid YAML: " + msg + (loc != null ? " (" + Loc.of(loc).where() + ")" : ""));
        } catch (IOException e) {
            throw new SyntaxException("cannot read YAML: " + e.getMessage());
        }
    }

    /** Reads the value starting at the parser's current token; {@code path} names it in duplicate reports. */
    public static Node read(JsonParser p, String path, DuplicateSink dups) throws IOException {
        JsonToken t = p.currentToken();
        Loc loc = Loc.of(p.currentTokenLocation());
        switch (t) {
            case START_OBJECT -> {
                Map<String, Field> fields = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    Loc keyLoc = Loc.of(p.currentTokenLocation());
                    p.nextToken();
                    Node value = read(p, join(path, key), dups);
                    Field first = fields.get(key);
                    if (first != null) {
                        dups.duplicate(join(path, key), key, keyLoc, first.keyLoc());
                    } else {
                        fields.put(key, new Field(key, keyLoc, value));
                    }
                }
                return new Obj(fields, loc);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p, path + "[" + i++ + "]", dups));
                }
                return new Arr(List.copyOf(items), loc);
            }
            case VALUE_STRING -> {
                return new Scalar(Kind.STRING, p.getText(), null, loc);
            }
            case VALUE_NUMBER_INT -> {
                Number n = p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? p.getBigIntegerValue() : Long.valueOf(p.getLongValue());
                return new Scalar(Kind.INT, p.getText(), n, loc);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new Scalar(Kind.FLOAT, p.getText(), null, loc);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new Scalar(Kind.BOOL, p.getText(), null, loc);
            }
            case VALUE_NULL -> {
                return new Scalar(Kind.NULL, "null", null, loc);
            }
            default -> throw new IOException("unexpected token " + t);
        }
    }

    /** Appends a key to a path, quoting keys that are not plain words so paths stay unambiguous. */
    public static String join(String path, String key) {
        if (!PLAIN_KEY.matcher(key).matches()) {
            return path + "[\"" + abbreviate(key).replace("\"", "\\\"") + "\"]";
        }
        return path.isEmpty() ? key : path + "." + key;
    }

    /** At most 40 characters, for quoting user input in messages. */
    public static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}

package io.muster.types.job;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A document tree that remembers where each key and value was written. Jackson's own tree drops locations,
 * and every spec error must name its line and column, so the spec is first read into this tree from Jackson's
 * streaming tokens (the same for YAML and JSON).
 */
final class SourceTree {
    private SourceTree() {
    }

    /** 1-based position in the text; {@link #NONE} when unknown. */
    record Loc(int line, int column) {
        static final Loc NONE = new Loc(0, 0);

        static Loc of(JsonLocation l) {
            return l == null || l.getLineNr() < 1 ? NONE : new Loc(l.getLineNr(), Math.max(1, l.getColumnNr()));
        }
    }

    sealed interface Node permits Obj, Arr, Scalar {
        Loc loc();
    }

    record Field(String key, Loc keyLoc, Node value) {
    }

    /** A mapping; fields in document order. */
    record Obj(Map<String, Field> fields, Loc loc) implements Node {
    }

    record Arr(List<Node> items, Loc loc) implements Node {
    }

    enum Kind { STRING, INT, FLOAT, BOOL, NULL }

    /**
     * A scalar. {@code text} is the value as written (so {@code 1.50} stays "1.50" when a string is expected);
     * {@code number} is set for INT (a {@link java.math.BigInteger} or {@link Long}).
     */
    record Scalar(Kind kind, String text, Number number, Loc loc) implements Node {
        boolean isNull() {
            return kind == Kind.NULL;
        }
    }

    /** Reports a duplicate key; parsing goes on with the first occurrence. */
    interface DuplicateSink {
        void duplicate(String path, String key, Loc loc);
    }

    /** Reads the value starting at the parser's current token. */
    static Node read(JsonParser p, String path, DuplicateSink dups) throws IOException {
        JsonToken t = p.currentToken();
        Loc loc = Loc.of(p.currentTokenLocation());
        switch (t) {
            case START_OBJECT -> {
                Map<String, Field> fields = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    Loc keyLoc = Loc.of(p.currentTokenLocation());
                    p.nextToken();
                    Node value = read(p, SpecReader.join(path, key), dups);
                    if (fields.containsKey(key)) {
                        dups.duplicate(SpecReader.join(path, key), key, keyLoc);
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
                return new Arr(items, loc);
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
}

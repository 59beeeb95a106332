package io.muster.types.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML (or JSON) document as a tree whose every node remembers its line and column, so that
 * validation done after parsing can still say exactly where a problem is.
 */
public sealed interface YamlTree {
    int line();

    int column();

    default String where() {
        return "line " + line() + ", column " + column();
    }

    record Scalar(String text, boolean stringToken, boolean isNull, int line, int column) implements YamlTree {}

    record Seq(List<YamlTree> items, int line, int column) implements YamlTree {}

    /** Keys in document order; {@code keyLines} gives where each key was written. */
    record MapNode(Map<String, YamlTree> entries, Map<String, int[]> keyLines, int line, int column) implements YamlTree {}

    /** Thrown for syntax errors and duplicate keys; the message carries line and column. */
    final class SyntaxException extends Exception {
        public SyntaxException(String message) {
            super(message);
        }
    }

    static YamlTree parse(String text) throws SyntaxException {
        YAMLFactory factory = new YAMLFactory();
        try (JsonParser p = factory.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) return new MapNode(new LinkedHashMap<>(), new LinkedHashMap<>(), 1, 1);
            YamlTree root = read(p, t);
            if (p.nextToken() != null) {
                JsonLocation loc = p.currentTokenLocation();
                throw new SyntaxException("unexpected content after the document (line " + loc.getLineNr() + ")");
            }
            return root;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            if (nl > 0) msg = msg.substring(0, nl);
            throw new SyntaxException("invalid YAML: " + msg + (loc != null ? " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")" : ""));
        } catch (IOException e) {
            throw new SyntaxException("cannot read YAML: " + e.getMessage());
        }
    }

    private static YamlTree read(JsonParser p, JsonToken t) throws IOException, SyntaxException {
        JsonLocation loc = p.currentTokenLocation();
        int line = loc.getLineNr();
        int col = loc.getColumnNr();
        switch (t) {
            case START_OBJECT -> {
                Map<String, YamlTree> entries = new LinkedHashMap<>();
                Map<String, int[]> keyLines = new LinkedHashMap<>();
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonLocation kl = p.currentTokenLocation();
                    if (entries.containsKey(name)) {
                        throw new SyntaxException("duplicate key '" + name + "' (line " + kl.getLineNr() + ", column "
                                + kl.getColumnNr() + "; first at line " + keyLines.get(name)[0] + ")");
                    }
                    keyLines.put(name, new int[] {kl.getLineNr(), kl.getColumnNr()});
                    entries.put(name, read(p, p.nextToken()));
                }
                return new MapNode(entries, keyLines, line, col);
            }
            case START_ARRAY -> {
                List<YamlTree> items = new ArrayList<>();
                JsonToken v;
                while ((v = p.nextToken()) != JsonToken.END_ARRAY) items.add(read(p, v));
                return new Seq(items, line, col);
            }
            case VALUE_NULL -> {
                return new Scalar(null, false, true, line, col);
            }
            case VALUE_STRING -> {
                return new Scalar(p.getText(), true, false, line, col);
            }
            default -> {
                return new Scalar(p.getText(), false, false, line, col);
            }
        }
    }
}

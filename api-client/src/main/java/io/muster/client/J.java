package io.muster.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Lenient readers for response fields. The server may add fields and may send ids as numbers or strings;
 * records keep the raw node, so nothing here needs to be exhaustive.
 */
final class J {
    /** Reads unknown fields leniently: the server may add fields at any time. */
    static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private J() {}

    static JsonNode at(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null ? MissingNode.getInstance() : v;
    }

    /** Text of a string or number field; null when absent or JSON null. */
    static String str(JsonNode n, String field) {
        JsonNode v = at(n, field);
        return v.isMissingNode() || v.isNull() ? null : v.asText();
    }

    static long lng(JsonNode n, String field, long dflt) {
        JsonNode v = at(n, field);
        return v.isNumber() || (v.isTextual() && v.asText().matches("-?\\d+")) ? v.asLong() : dflt;
    }

    static Long lngOrNull(JsonNode n, String field) {
        JsonNode v = at(n, field);
        return v.isNumber() || (v.isTextual() && v.asText().matches("-?\\d+")) ? v.asLong() : null;
    }

    static Integer intOrNull(JsonNode n, String field) {
        Long v = lngOrNull(n, field);
        return v == null ? null : v.intValue();
    }

    static boolean bool(JsonNode n, String field) {
        JsonNode v = at(n, field);
        return v.isBoolean() ? v.booleanValue() : "true".equalsIgnoreCase(v.asText());
    }

    static Map<String, String> strMap(JsonNode n, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode v = at(n, field);
        if (v.isObject()) v.properties().forEach(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
        return out;
    }

    static Map<String, Long> longMap(JsonNode n, String field) {
        Map<String, Long> out = new LinkedHashMap<>();
        JsonNode v = at(n, field);
        if (v.isObject()) v.properties().forEach(e -> out.put(e.getKey(), e.getValue().asLong()));
        return out;
    }

    static List<String> strList(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        JsonNode v = at(n, field);
        if (v.isArray()) v.forEach(e -> out.add(e.asText()));
        return out;
    }

    static <T> List<T> list(JsonNode n, String field, Function<JsonNode, T> item) {
        return items(at(n, field), item);
    }

    static <T> List<T> items(JsonNode array, Function<JsonNode, T> item) {
        List<T> out = new ArrayList<>();
        if (array != null && array.isArray()) array.forEach(e -> out.add(item.apply(e)));
        return out;
    }
}

package io.muster.cli;

import io.muster.pki.token.TokenClaims;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Labels given as {@code k=v,k2=v2}, with the key and value rules join tokens enforce, so a bad label is a usage
 * error here rather than a rejected token later. (A record rather than a Map option: picocli would split a Map
 * option's key=value itself and bypass these checks.)
 */
public record Labels(Map<String, String> map) {

    public static final class Converter implements ITypeConverter<Labels> {
        @Override
        public Labels convert(String text) {
            return new Labels(parse(text));
        }
    }

    public static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) return out;
        for (String part : text.split(",", -1)) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq <= 0) throw new TypeConversionException("'" + p + "' is not key=value (labels are k=v,k2=v2)");
            String key = p.substring(0, eq);
            String value = p.substring(eq + 1);
            if (!TokenClaims.LABEL_KEY.matcher(key).matches())
                throw new TypeConversionException("label key '" + key + "' must be 1-63 characters of [A-Za-z0-9._/-]");
            if (!TokenClaims.LABEL_VALUE.matcher(value).matches())
                throw new TypeConversionException("label '" + key + "' has value '" + value + "': values must be 0-63 characters of [A-Za-z0-9._/-]");
            if (out.put(key, value) != null) throw new TypeConversionException("label key '" + key + "' is given twice");
        }
        return out;
    }
}

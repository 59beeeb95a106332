package io.muster.types.state;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Lookup from wire names to enum constants, shared by the state enums of this package. */
final class WireNames<E extends Enum<E>> {
    private final String what;
    private final Map<String, E> byWire;
    private final String expected;

    WireNames(String what, E[] values, Function<E, String> wire) {
        this.what = what;
        this.byWire = Arrays.stream(values).collect(Collectors.toUnmodifiableMap(wire, v -> v));
        this.expected = Arrays.stream(values).map(wire).collect(Collectors.joining(", "));
    }

    Optional<E> find(String wire) {
        return wire == null ? Optional.empty() : Optional.ofNullable(byWire.get(wire));
    }

    E parse(String wire) {
        E e = wire == null ? null : byWire.get(wire);
        if (e == null) {
            throw new IllegalArgumentException("unknown " + what + " " + (wire == null ? "null" : "\"" + wire + "\"")
                    + " (expected one of: " + expected + ")");
        }
        return e;
    }
}

package io.muster.types.job;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An action of a worker backend: {@code apt install package=nginx}.
 *
 * @param backend the backend's name ({@value JobSpecLimits#NAME_SYNTAX})
 * @param action  one of the backend's actions
 * @param params  string parameters, sorted by key
 */
public record ActionCall(String backend, String action, Map<String, String> params) {
    public ActionCall {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(action, "action");
        params = params == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(params));
    }
}

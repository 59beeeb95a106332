package io.muster.server.state;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.organicdesign.fp.collections.ImMap;
import org.organicdesign.fp.collections.MutMap;

/**
 * One command's writes to one persistent map: reads see the command's own writes; {@link #commit} yields the new
 * immutable map, sharing structure with the old one. The first write opens a transient (O(1)); a command that
 * writes nothing to this map costs nothing. Used by the apply thread only.
 */
final class TxMap<K, V> {
    private final ImMap<K, V> base;
    private MutMap<K, V> mut;

    TxMap(ImMap<K, V> base) {
        this.base = base;
    }

    V get(K key) {
        return mut != null ? mut.get(key) : base.get(key);
    }

    boolean containsKey(K key) {
        return mut != null ? mut.containsKey(key) : base.containsKey(key);
    }

    void put(K key, V value) {
        if (mut == null) mut = base.mutable();
        mut = mut.assoc(key, value);
    }

    void remove(K key) {
        if (!containsKey(key)) return;
        if (mut == null) mut = base.mutable();
        mut = mut.without(key);
    }

    int size() {
        return mut != null ? mut.size() : base.size();
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /** A copy of the values as they are now in this command (callers may write while iterating it). */
    Collection<V> values() {
        List<V> out = new ArrayList<>(size());
        if (mut != null) mut.forEach((k, v) -> out.add(v));
        else base.forEach((k, v) -> out.add(v));
        return out;
    }

    /** Whether this command wrote to the map (a put, or a remove of a present key). */
    boolean written() {
        return mut != null;
    }

    ImMap<K, V> commit() {
        return mut == null ? base : mut.immutable();
    }
}

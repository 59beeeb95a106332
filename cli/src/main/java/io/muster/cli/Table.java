package io.muster.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Left-aligned columns separated by two spaces; null cells print as "-". The last column is not padded. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... headers) {
        this.columns = headers.length;
        rows.add(headers);
    }

    Table row(Object... cells) {
        if (cells.length != columns) throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) r[i] = cells[i] == null || cells[i].toString().isEmpty() ? "-" : cells[i].toString();
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.size() == 1;
    }

    void print(PrintWriter out) {
        int[] width = new int[columns];
        for (String[] r : rows) for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                sb.append(r[i]);
                if (i < columns - 1) sb.append(" ".repeat(width[i] - r[i].length() + 2));
            }
            out.println(sb.toString().stripTrailing());
        }
        out.flush();
    }

    /** "Key  value" lines with the values aligned, for one object's details. */
    static void details(PrintWriter out, Object... keyValues) {
        int w = 0;
        for (int i = 0; i < keyValues.length; i += 2) w = Math.max(w, keyValues[i].toString().length());
        for (int i = 0; i < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            String key = keyValues[i].toString();
            out.println(key + " ".repeat(w - key.length() + 2) + (v == null || v.toString().isEmpty() ? "-" : v));
        }
        out.flush();
    }
}

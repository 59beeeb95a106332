package io.muster.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A small self-contained SVG line chart: time on x, one unit on y, phases as shaded bands. No scripts, no external resources. */
final class SvgChart {
    record Line(String name, double[] xs, double[] ys) {}

    record Band(String name, double from, double to) {}

    static final String[] COLORS = {"#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"};
    private static final int W = 960;
    private static final int H = 260;
    private static final int L = 70;
    private static final int R = 20;
    private static final int T = 34;
    private static final int B = 36;

    private SvgChart() {}

    static String render(String title, String unit, List<Line> lines, List<Band> bands, double xMax) {
        double yMax = 0;
        for (Line l : lines) for (double y : l.ys()) yMax = Math.max(yMax, y);
        // Four gridlines at a round step, so every tick label is a round number.
        double yStep = nice((yMax <= 0 ? 1 : yMax * 1.05) / 4);
        yMax = yStep * 4;
        xMax = Math.max(1, xMax);
        double pw = W - L - R;
        double ph = H - T - B;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">", W, H, W, H, esc(title)));
        s.append("<rect x=\"0\" y=\"0\" width=\"").append(W).append("\" height=\"").append(H).append("\" fill=\"#fff\"/>");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"600\" fill=\"#111\">%s</text>", L, esc(title)));
        int i = 0;
        for (Band b : bands) {
            double x0 = L + pw * Math.max(0, b.from()) / xMax;
            double x1 = L + pw * Math.min(xMax, b.to()) / xMax;
            if (x1 <= x0) continue;
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x0, T, x1 - x0, ph,
                    i++ % 2 == 0 ? "#f1f5f9" : "#e2e8f0"));
            if (x1 - x0 > 6.5 * b.name().length() + 6) s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#475569\">%s</text>", x0 + 3, T + 11, esc(b.name())));
        }
        for (int k = 0; k <= 4; k++) {
            double v = yMax * k / 4;
            double y = T + ph - ph * k / 4;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#cbd5e1\" stroke-width=\"0.5\"/>", L, y, W - R, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#334155\">%s</text>", L - 6, y + 3, label(v)));
        }
        double step = nice(xMax / 8);
        for (double x = 0; x <= xMax + 1e-9; x += step) {
            double px = L + pw * x / xMax;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#94a3b8\" stroke-width=\"0.5\"/>", px, T + ph, px, T + ph + 4));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" fill=\"#334155\">%s</text>", px, T + ph + 15, label(x)));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\" fill=\"#334155\">seconds since start</text>", W - R, H - 4));
        s.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%.1f\" font-size=\"10\" fill=\"#334155\" transform=\"rotate(-90 12 %.1f)\" text-anchor=\"middle\">%s</text>",
                T + ph / 2, T + ph / 2, esc(unit)));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#94a3b8\" stroke-width=\"0.8\"/>", L, T, pw, ph));
        int c = 0;
        double legendX = W - R;
        List<String> legend = new ArrayList<>();
        for (Line l : lines) {
            String color = COLORS[c++ % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (int k = 0; k < l.xs().length; k++) {
                double px = L + pw * Math.min(l.xs()[k], xMax) / xMax;
                double py = T + ph - ph * Math.min(l.ys()[k], yMax) / yMax;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            s.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.6\" stroke-linejoin=\"round\" points=\"")
                    .append(pts.toString().trim()).append("\"/>");
            legend.add(color + "|" + l.name());
        }
        for (int k = legend.size() - 1; k >= 0; k--) {
            String[] p = legend.get(k).split("\\|", 2);
            double w = 7 * p[1].length() + 22;
            legendX -= w;
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"9\" width=\"12\" height=\"4\" fill=\"%s\"/>", legendX, p[0]));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"15\" font-size=\"11\" fill=\"#111\">%s</text>", legendX + 16, esc(p[1])));
        }
        s.append("</svg>");
        return s.toString();
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    static double nice(double v) {
        if (v <= 0) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) if (m * p >= v) return m * p;
        return 10 * p;
    }

    static String label(double v) {
        if (v >= 1_000_000) return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        if (v >= 10_000) return v % 1000 == 0 ? String.format(Locale.ROOT, "%.0fk", v / 1e3) : String.format(Locale.ROOT, "%.1fk", v / 1e3);
        if (v == Math.rint(v)) return String.format(Locale.ROOT, "%.0f", v);
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

package dev.parley.testkit.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Latency pictures as standalone SVG files, for people who would rather look than read a table:
 * <ul>
 *   <li>{@link #overTime}: latency against the run's elapsed time at completion. Few samples are
 *       drawn one dot each; many are summarised per interval (about 60 across the run) by their p50
 *       (solid steps) and p99 (dashed), which keeps a file at a few KB per series whatever the run's
 *       length;</li>
 *   <li>{@link #percentiles}: HdrHistogram's percentile spectrum, latency against percentile on the
 *       usual axis of nines (x = log10(1 / (1 - p)): 0%, 90%, 99%, 99.9%, ...), so the tail gets as
 *       much room as the median.</li>
 * </ul>
 * Several series (a system beside its peer, measured in the same run) share one chart, told apart
 * by colour and named in a legend; each is timed from its own origin (its measured window's start),
 * so windows measured one after another lie over each other. Latency is in milliseconds; the y axis
 * turns logarithmic when the values drawn span more than two decades. Bad input gets a clear
 * {@link IllegalArgumentException}, never a broken file: no series, or no sample in any series.
 * SVG is text: no dependency, and the files open in any browser. Drawing is linear in the samples
 * (plus a sort per interval).
 */
public final class LatencySvg {

  /** One named series of a chart. */
  public record Series(String name, LatencySamples samples) {
    public Series {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(samples, "samples");
    }
  }

  /** Something that happened during the run, drawn over time as a labelled vertical line. */
  public record Marker(String label, long nanosAfterOrigin) {
    public Marker {
      Objects.requireNonNull(label, "label");
    }
  }

  /** At most this many samples in a series are drawn one dot each; more are drawn per interval. */
  static final int DOTS_UP_TO = 500;

  private static final int WIDTH = 820;
  private static final int LEFT = 80;
  private static final int RIGHT = 30;
  private static final int TOP = 62;
  private static final int PLOT_HEIGHT = 320;
  private static final int LEGEND_ROW = 18;
  private static final String[] COLOURS = {
      "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

  private LatencySvg() {}

  /**
   * Writes both charts of {@code series} to {@code dir} (created if missing) as
   * {@code NAME-over-time.svg} and {@code NAME-percentiles.svg}, and returns their paths.
   */
  public static List<Path> write(Path dir, String name, String title, List<Series> series) {
    return write(dir, name, title, series, List.of());
  }

  /** The same, with {@code markers} on the chart over time. */
  public static List<Path> write(Path dir, String name, String title, List<Series> series, List<Marker> markers) {
    String overTime = overTime(title, series, markers);
    String percentiles = percentiles(title, series);
    try {
      Files.createDirectories(dir);
      Path a = Files.writeString(dir.resolve(name + "-over-time.svg"), overTime, StandardCharsets.UTF_8);
      Path b = Files.writeString(dir.resolve(name + "-percentiles.svg"), percentiles, StandardCharsets.UTF_8);
      return List.of(a, b);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the latency charts '" + name + "' to " + dir + ": " + e, e);
    }
  }

  /** Latency against elapsed time (at each operation's completion), one colour per series. */
  public static String overTime(String title, List<Series> series) {
    return overTime(title, series, List.of());
  }

  /** The same, with {@code markers}: what happened when (a crash, a restart), timed from the samples' origin. */
  public static String overTime(String title, List<Series> series, List<Marker> markers) {
    long[] span = timeSpan(drawable(title, series));
    for (Marker m : markers) {
      span = new long[] {Math.min(span[0], m.nanosAfterOrigin()), Math.max(span[1], m.nanosAfterOrigin())};
    }
    double from = Math.min(0, span[0] / 1e9);
    double interval = niceStep(Math.max(1e-3, span[1] / 1e9 - from) / 60);
    double to = from + (Math.floor((span[1] / 1e9 - from) / interval) + 1) * interval;
    List<OverTime> drawings = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (Series s : series) {
      OverTime d = OverTime.of(s.samples(), from, interval);
      drawings.add(d);
      d.dots().forEach(p -> values.add(p[1]));
      d.p50().forEach(line -> line.forEach(p -> values.add(p[1])));
      d.p99().forEach(line -> line.forEach(p -> values.add(p[1])));
    }
    boolean anyDots = drawings.stream().anyMatch(OverTime::asDots);
    boolean anyLines = drawings.stream().anyMatch(d -> !d.asDots());
    String how = (anyDots ? "dots: one per sample" : "") + (anyDots && anyLines ? "; " : "")
        + (anyLines ? "lines: p50 (solid) and p99 (dashed) per " + number(interval * 1000) + " ms, none where"
            + " nothing completed" : "");
    Scale x = Scale.linear(from, to, LEFT, WIDTH - RIGHT);
    Scale y = Scale.forLatencies(values, TOP + PLOT_HEIGHT, TOP);
    Svg svg = new Svg(title, how, series.size());
    svg.axes(x, y, "elapsed time of each series' run, at completion (s)",
        "latency (ms)" + (y.log ? ", log scale" : ""));
    markers.forEach(m -> svg.marker(m.label(), x.pixel(m.nanosAfterOrigin() / 1e9)));
    List<Boolean> dots = new ArrayList<>();
    for (int i = 0; i < series.size(); i++) {
      String colour = COLOURS[i % COLOURS.length];
      String name = series.get(i).name();
      OverTime d = drawings.get(i);
      dots.add(d.asDots());
      svg.dots(name, d.dots(), x, y, colour);
      d.p50().forEach(line -> svg.line(name + " p50", line, x, y, colour, false));
      d.p99().forEach(line -> svg.line(name + " p99", line, x, y, colour, true));
    }
    svg.legend(series, dots);
    return svg.end();
  }

  /** HdrHistogram's percentile spectrum of each series, on the axis of nines. */
  public static String percentiles(String title, List<Series> series) {
    drawable(title, series);
    List<List<double[]>> curves = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    double nines = 2;
    for (Series s : series) {
      List<double[]> curve = spectrum(s.samples().histogram());
      curves.add(curve);
      for (double[] p : curve) {
        values.add(p[1]);
        nines = Math.max(nines, p[0]);
      }
    }
    Scale x = Scale.nines(Math.ceil(nines - 1e-9), LEFT, WIDTH - RIGHT);
    Scale y = Scale.forLatencies(values, TOP + PLOT_HEIGHT, TOP);
    Svg svg = new Svg(title, "percentile spectrum (HdrHistogram, 3 significant digits) of every sample", series.size());
    svg.axes(x, y, "percentile", "latency (ms)" + (y.log ? ", log scale" : ""));
    List<Boolean> dots = new ArrayList<>();
    for (int i = 0; i < series.size(); i++) {
      svg.line(series.get(i).name(), curves.get(i), x, y, COLOURS[i % COLOURS.length], false);
      dots.add(false);
    }
    svg.legend(series, dots);
    return svg.end();
  }

  /**
   * The spectrum as (nines, milliseconds) points, nines = log10(1 / (1 - p)); the maximum (p = 100%)
   * is placed at log10(count), where one sample in {@code count} lies.
   */
  static List<double[]> spectrum(Histogram h) {
    List<double[]> points = new ArrayList<>();
    if (h.getTotalCount() == 0) {
      return points;
    }
    double last = Math.log10(h.getTotalCount());
    for (HistogramIterationValue v : h.percentiles(5)) {
      double p = v.getPercentileLevelIteratedTo() / 100;
      double n = p >= 1 ? last : Math.min(last, -Math.log10(1 - p));
      if (points.isEmpty() || n >= points.get(points.size() - 1)[0]) {
        points.add(new double[] {n, h.highestEquivalentValue(v.getValueIteratedTo()) / 1e6});
      }
    }
    return points;
  }

  private static List<Series> drawable(String title, List<Series> series) {
    Objects.requireNonNull(title, "title");
    if (series == null || series.isEmpty()) {
      throw new IllegalArgumentException("nothing to draw for '" + title + "': no series given");
    }
    if (series.stream().allMatch(s -> s.samples().count() == 0)) {
      throw new IllegalArgumentException("nothing to draw for '" + title + "': no series has a sample ("
          + series.stream().map(Series::name).toList() + ")");
    }
    return series;
  }

  /** The earliest and latest completion over every kept sample, in nanoseconds after the origin. */
  private static long[] timeSpan(List<Series> series) {
    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    for (Series s : series) {
      for (long t : s.samples().completedAt()) {
        from = Math.min(from, t);
        to = Math.max(to, t);
      }
    }
    return from > to ? new long[] {0, 0} : new long[] {from, to};
  }

  /**
   * What one series draws over time, in (seconds, milliseconds): its samples as dots when they are
   * few; otherwise the p50 and the p99 of each interval as steps, a line broken where an interval had
   * no completion (a stall shows as a gap, not as a slope).
   */
  private record OverTime(boolean asDots, List<double[]> dots, List<List<double[]>> p50, List<List<double[]>> p99) {

    static OverTime of(LatencySamples samples, double from, double interval) {
      long[] at = samples.completedAt();
      long[] took = samples.latencies();
      if (at.length <= DOTS_UP_TO) {
        List<double[]> dots = new ArrayList<>();
        for (int i = 0; i < at.length; i++) {
          dots.add(new double[] {at[i] / 1e9, took[i] / 1e6});
        }
        return new OverTime(true, dots, List.of(), List.of());
      }
      long[][] buckets = byInterval(at, took, from, interval);
      return new OverTime(false, List.of(), steps(buckets, 0.50, from, interval), steps(buckets, 0.99, from, interval));
    }

    /** The latencies completed in each interval, sorted. */
    private static long[][] byInterval(long[] at, long[] took, double from, double interval) {
      int n = 1;
      for (long t : at) {
        n = Math.max(n, bucket(t, from, interval) + 1);
      }
      int[] counts = new int[n];
      for (long t : at) {
        counts[bucket(t, from, interval)]++;
      }
      long[][] buckets = new long[n][];
      for (int b = 0; b < n; b++) {
        buckets[b] = new long[counts[b]];
      }
      int[] filled = new int[n];
      for (int i = 0; i < at.length; i++) {
        int b = bucket(at[i], from, interval);
        buckets[b][filled[b]++] = took[i];
      }
      for (long[] b : buckets) {
        Arrays.sort(b);
      }
      return buckets;
    }

    private static int bucket(long nanos, double from, double interval) {
      return (int) Math.max(0, Math.floor((nanos / 1e9 - from) / interval));
    }

    /** The percentile {@code p} of each interval as a level across it; one line per run of non-empty intervals. */
    private static List<List<double[]>> steps(long[][] buckets, double p, double from, double interval) {
      List<List<double[]>> lines = new ArrayList<>();
      List<double[]> line = new ArrayList<>();
      for (int b = 0; b < buckets.length; b++) {
        if (buckets[b].length == 0) {
          if (!line.isEmpty()) {
            lines.add(line);
            line = new ArrayList<>();
          }
          continue;
        }
        double ms = rank(buckets[b], p) / 1e6;
        line.add(new double[] {from + b * interval, ms});
        line.add(new double[] {from + (b + 1) * interval, ms});
      }
      if (!line.isEmpty()) {
        lines.add(line);
      }
      return lines;
    }
  }

  /** The nearest-rank percentile of sorted values. */
  private static long rank(long[] sorted, double p) {
    return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
  }

  /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
  static double niceStep(double rough) {
    double decade = Math.pow(10, Math.floor(Math.log10(rough)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * decade >= rough * (1 - 1e-9)) {
        return m * decade;
      }
    }
    return 10 * decade;
  }

  /** A number as people write it: no trailing zeros, no exponent. */
  static String number(double v) {
    if (v == 0) {
      return "0";
    }
    return new BigDecimal(String.format(Locale.ROOT, "%.6g", v)).stripTrailingZeros().toPlainString();
  }

  /** Maps values to pixels along one axis, and says where its ticks go. */
  private static final class Scale {
    final double from;
    final double to;
    final double pixelFrom;
    final double pixelTo;
    final boolean log;
    final boolean nines;

    private Scale(double from, double to, double pixelFrom, double pixelTo, boolean log, boolean nines) {
      this.from = from;
      this.to = to;
      this.pixelFrom = pixelFrom;
      this.pixelTo = pixelTo;
      this.log = log;
      this.nines = nines;
    }

    static Scale linear(double from, double to, double pixelFrom, double pixelTo) {
      return new Scale(from, to, pixelFrom, pixelTo, false, false);
    }

    static Scale nines(double upTo, double pixelFrom, double pixelTo) {
      return new Scale(0, upTo, pixelFrom, pixelTo, false, true);
    }

    /** From 0 (or the decade below the least value, when logarithmic) to a little above the greatest. */
    static Scale forLatencies(List<Double> values, double pixelFrom, double pixelTo) {
      double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
      double minPositive = values.stream().mapToDouble(Double::doubleValue).filter(v -> v > 0).min().orElse(max);
      if (max > 0 && max / minPositive > 100) {
        return new Scale(Math.pow(10, Math.floor(Math.log10(minPositive))), Math.pow(10, Math.ceil(Math.log10(max))),
            pixelFrom, pixelTo, true, false);
      }
      double top = max <= 0 ? 1 : Math.ceil(max * 1.05 / niceStep(max / 6)) * niceStep(max / 6);
      return linear(0, top, pixelFrom, pixelTo);
    }

    double pixel(double v) {
      double f = log ? (Math.log10(Math.max(v, from)) - Math.log10(from)) / (Math.log10(to) - Math.log10(from))
          : (v - from) / (to - from);
      return pixelFrom + f * (pixelTo - pixelFrom);
    }

    /** The tick values: whole nines, decades, or 1-2-5 steps. */
    List<Double> ticks() {
      List<Double> ticks = new ArrayList<>();
      if (nines) {
        for (int n = 0; n <= to; n++) {
          ticks.add((double) n);
        }
      } else if (log) {
        for (double d = from; d <= to * 1.0001; d *= 10) {
          ticks.add(d);
        }
      } else {
        double step = niceStep((to - from) / 6);
        for (double t = Math.ceil(from / step) * step; t <= to + step * 1e-6; t += step) {
          ticks.add(Math.abs(t) < step * 1e-6 ? 0 : t);
        }
      }
      return ticks;
    }

    String label(double tick) {
      if (!nines) {
        return number(tick);
      }
      return tick == 0 ? "0%" : number(100 - 100 / Math.pow(10, tick)) + "%";
    }
  }

  /** The document under construction: frame, axes, series, legend. */
  private static final class Svg {
    private final StringBuilder out = new StringBuilder();

    Svg(String title, String note, int series) {
      int height = TOP + PLOT_HEIGHT + 50 + LEGEND_ROW * series + 10;
      out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
          .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
          .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
          .append("\" font-family=\"sans-serif\" font-size=\"12\">\n")
          .append("<title>").append(escape(title)).append("</title>\n")
          .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n")
          .append(text(LEFT, 24, "start", "font-size=\"16\" font-weight=\"bold\"", title))
          .append(text(LEFT, 44, "start", "fill=\"#555\"", note));
    }

    void axes(Scale x, Scale y, String xLabel, String yLabel) {
      int bottom = TOP + PLOT_HEIGHT;
      out.append("<g stroke=\"#ddd\">\n");
      for (double t : y.ticks()) {
        out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>%n",
            LEFT, y.pixel(t), WIDTH - RIGHT, y.pixel(t)));
      }
      for (double t : x.ticks()) {
        out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>%n",
            x.pixel(t), TOP, x.pixel(t), bottom));
      }
      out.append("</g>\n");
      out.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n",
          LEFT, TOP, WIDTH - RIGHT - LEFT, PLOT_HEIGHT));
      for (double t : y.ticks()) {
        out.append(text(LEFT - 6, y.pixel(t) + 4, "end", "", y.label(t)));
      }
      for (double t : x.ticks()) {
        out.append(text(x.pixel(t), bottom + 16, "middle", "", x.label(t)));
      }
      out.append(text((LEFT + WIDTH - RIGHT) / 2.0, bottom + 34, "middle", "class=\"axis\"", xLabel));
      out.append(String.format(Locale.ROOT,
          "<text class=\"axis\" transform=\"translate(20 %.1f) rotate(-90)\" text-anchor=\"middle\">%s</text>%n",
          TOP + PLOT_HEIGHT / 2.0, escape(yLabel)));
    }

    void marker(String label, double x) {
      out.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#888\" stroke-dasharray=\"2 2\"/>%n",
          x, TOP, x, TOP + PLOT_HEIGHT));
      out.append(text(x + 3, TOP + 12, "start", "fill=\"#555\"", label));
    }

    void line(String name, List<double[]> points, Scale x, Scale y, String colour, boolean dashed) {
      if (points.isEmpty()) {
        return;
      }
      out.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.6\"")
          .append(dashed ? " stroke-dasharray=\"5 3\"" : "").append(" points=\"");
      for (double[] p : points) {
        out.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.pixel(p[0]), y.pixel(p[1])));
      }
      out.setLength(out.length() - 1);
      out.append("\"><title>").append(escape(name)).append("</title></polyline>\n");
    }

    void dots(String name, List<double[]> points, Scale x, Scale y, String colour) {
      if (points.isEmpty()) {
        return;
      }
      out.append("<g fill=\"").append(colour).append("\" fill-opacity=\"0.6\"><title>").append(escape(name))
          .append("</title>\n");
      for (double[] p : points) {
        out.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>%n",
            x.pixel(p[0]), y.pixel(p[1])));
      }
      out.append("</g>\n");
    }

    void legend(List<Series> series, List<Boolean> dots) {
      int top = TOP + PLOT_HEIGHT + 50;
      out.append("<g class=\"legend\">\n");
      for (int i = 0; i < series.size(); i++) {
        String colour = COLOURS[i % COLOURS.length];
        int y = top + i * LEGEND_ROW;
        if (dots.get(i)) {
          out.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>%n",
              LEFT + 11, y - 4, colour));
        } else {
          out.append(String.format(Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>%n",
              LEFT, y - 4, LEFT + 22, y - 4, colour));
        }
        LatencySamples s = series.get(i).samples();
        String count = s.count() == 0 ? "no samples" : String.format(Locale.ROOT, "%,d samples", s.count())
            + (s.leftOut() > 0 ? String.format(Locale.ROOT, ", the first %,d over time", s.count() - s.leftOut()) : "");
        out.append(text(LEFT + 30, y, "start", "", series.get(i).name() + " (" + count + ")"));
      }
      out.append("</g>\n");
    }

    String end() {
      return out.append("</svg>\n").toString();
    }

    private static String text(double x, double y, String anchor, String attributes, String content) {
      return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>%s</text>%n",
          x, y, anchor, attributes.isEmpty() ? "" : " " + attributes, escape(content));
    }

    private static String escape(String s) {
      return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
  }
}

package dev.parley.bench;

import dev.parley.testkit.report.LatencySamples;
import dev.parley.testkit.report.LatencySvg;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The latency pictures of one harness run (a picocli mixin, so every harness takes the same
 * {@code --svg DIR} and {@code --no-svg}): series are added while the harness measures, grouped by
 * chart, and every chart is written at the end, after the tables, as two SVG files
 * ({@link LatencySvg}): NAME-over-time.svg and NAME-percentiles.svg. Where they went is printed.
 */
final class LatencyCharts {

  @Option(names = "--svg", paramLabel = "DIR",
      description = "where the latency charts go, as SVG (default ${DEFAULT-VALUE}, from where Maven runs)")
  Path dir = Path.of("benchmarks", "target", "figures");

  @Option(names = "--no-svg", description = "draw no latency charts")
  boolean off;

  private record Chart(String title, List<LatencySvg.Series> series) {}

  private final Map<String, Chart> charts = new LinkedHashMap<>();

  /** Adds a series to chart {@code name} (a file name's start, such as "mutex-3"), titled {@code title}. */
  void add(String name, String title, String series, LatencySamples samples) {
    charts.computeIfAbsent(name, n -> new Chart(title, new ArrayList<>()))
        .series().add(new LatencySvg.Series(series, samples));
  }

  /** Writes every chart that has a sample, and says where; a chart without one is named as skipped. */
  void write() {
    if (off || charts.isEmpty()) {
      return;
    }
    System.out.println();
    System.out.println("Latency charts (SVG):");
    charts.forEach((name, chart) -> {
      if (chart.series().stream().allMatch(s -> s.samples().count() == 0)) {
        System.out.println("- " + name + ": not drawn, no series has a sample");
        return;
      }
      for (Path p : LatencySvg.write(dir, name, chart.title(), chart.series())) {
        System.out.println("- " + p.toAbsolutePath().normalize());
      }
    });
    charts.clear();
  }
}

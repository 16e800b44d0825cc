package dev.parley.testkit.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class LatencySvgTest {

  private static final long MS = 1_000_000;

  /** {@code n} operations, one completing every 10 ms from the origin, taking 1 to {@code n} ms in a shuffled order. */
  private static LatencySamples uniform(int n, long seed) {
    List<Long> took = new ArrayList<>();
    for (long i = 1; i <= n; i++) {
      took.add(i * MS);
    }
    java.util.Collections.shuffle(took, new Random(seed));
    LatencySamples s = new LatencySamples(0);
    for (int i = 0; i < n; i++) {
      s.record(i * 10 * MS - took.get(i), i * 10 * MS);
    }
    return s;
  }

  private static Document parse(String svg) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<String> texts(Document d) {
    List<String> out = new ArrayList<>();
    NodeList nodes = d.getElementsByTagName("text");
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add(nodes.item(i).getTextContent());
    }
    return out;
  }

  private static List<double[]> points(Element polyline) {
    List<double[]> out = new ArrayList<>();
    for (String p : polyline.getAttribute("points").trim().split(" ")) {
      String[] xy = p.split(",");
      out.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
    }
    return out;
  }

  @Test
  void percentileChartIsWellFormedSvgWithItsSeriesAxesAndMonotoneCurves() throws Exception {
    List<LatencySvg.Series> series = List.of(
        new LatencySvg.Series("Parley <lock server>", uniform(5_000, 1)),
        new LatencySvg.Series("Curator & ZooKeeper", uniform(2_000, 2)));

    Document d = parse(LatencySvg.percentiles("Acquire latency, 3 contenders", series));

    assertThat(d.getDocumentElement().getLocalName()).isEqualTo("svg");
    assertThat(d.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
    List<String> texts = texts(d);
    assertThat(texts).contains("Acquire latency, 3 contenders", "percentile", "0%", "90%", "99%", "99.9%")
        .anyMatch(t -> t.startsWith("latency (ms)"));
    assertThat(texts).anyMatch(t -> t.startsWith("Parley <lock server> (5,000 samples"))
        .anyMatch(t -> t.startsWith("Curator & ZooKeeper (2,000 samples"));
    NodeList curves = d.getElementsByTagName("polyline");
    assertThat(curves.getLength()).isEqualTo(2);
    for (int i = 0; i < curves.getLength(); i++) {
      List<double[]> pts = points((Element) curves.item(i));
      assertThat(pts).hasSizeGreaterThan(10);
      for (int k = 1; k < pts.size(); k++) {
        assertThat(pts.get(k)[0]).as("percentile never goes back").isGreaterThanOrEqualTo(pts.get(k - 1)[0]);
        assertThat(pts.get(k)[1]).as("latency never falls (pixels grow downwards)")
            .isLessThanOrEqualTo(pts.get(k - 1)[1]);
      }
    }
  }

  @Test
  void spectrumPutsTheMedianAtLog2AndTheMaximumAtLogCount() {
    List<double[]> spectrum = LatencySvg.spectrum(uniform(1_000, 3).histogram());

    double[] median = spectrum.stream().filter(p -> Math.abs(p[0] - Math.log10(2)) < 1e-9).findFirst().orElseThrow();
    assertThat(median[1]).isBetween(499.0, 501.0);
    double[] last = spectrum.get(spectrum.size() - 1);
    assertThat(last[0]).isEqualTo(3.0, org.assertj.core.data.Offset.offset(1e-9)); // one in 1,000
    assertThat(last[1]).isBetween(999.0, 1001.0);
  }

  @Test
  void manySamplesOverTimeAreDrawnAsP50AndP99PerIntervalFewAsDots() throws Exception {
    List<LatencySvg.Series> series = List.of(
        new LatencySvg.Series("many", uniform(3_000, 4)),
        new LatencySvg.Series("few", uniform(40, 5)));

    String svg = LatencySvg.overTime("Puts over time", series);
    Document d = parse(svg);

    assertThat(texts(d)).contains("Puts over time", "elapsed time of each series' run, at completion (s)")
        .anyMatch(t -> t.startsWith("latency (ms)"));
    assertThat(texts(d).get(1)).contains("dots: one per sample").contains("p50 (solid) and p99 (dashed)");
    NodeList lines = d.getElementsByTagName("polyline");
    assertThat(lines.getLength()).isEqualTo(2);
    assertThat(((Element) lines.item(1)).getAttribute("stroke-dasharray")).isNotEmpty();
    List<double[]> p50 = points((Element) lines.item(0));
    List<double[]> p99 = points((Element) lines.item(1));
    assertThat(p50).hasSize(2 * 60); // 30 s of run in 60 intervals, each a level from its start to its end
    for (int k = 0; k < p50.size(); k++) {
      assertThat(p99.get(k)[1]).as("p99 at or above p50 in each interval").isLessThanOrEqualTo(p50.get(k)[1]);
    }
    assertThat(d.getElementsByTagName("circle").getLength()).isEqualTo(40 + 1); // 40 dots, 1 legend mark
    assertThat(svg.length()).as("tens of KB at most").isLessThan(30_000);
  }

  @Test
  void aStallWithNoCompletionBreaksTheLinesInsteadOfBridgingIt() throws Exception {
    LatencySamples s = new LatencySamples(0);
    for (int i = 0; i < 3_000; i++) {
      long at = (i < 1_500 ? i : i + 1_000) * 10 * MS; // nothing completes from 15 s to 25 s
      s.record(at - 2 * MS, at);
    }

    Document d = parse(LatencySvg.overTime("stall", List.of(new LatencySvg.Series("s", s))));

    NodeList lines = d.getElementsByTagName("polyline");
    assertThat(lines.getLength()).as("p50 and p99, each before and after the stall").isEqualTo(4);
    double gapStart = points((Element) lines.item(0)).get(points((Element) lines.item(0)).size() - 1)[0];
    double gapEnd = points((Element) lines.item(1)).get(0)[0];
    assertThat(gapEnd - gapStart).as("the gap spans the stall, in pixels").isGreaterThan(0.2 * (820 - 110));
  }

  @Test
  void markersAreLabelledAtTheirTimeAndWidenTheRunIfNeeded() throws Exception {
    Document d = parse(LatencySvg.overTime("kv", List.of(new LatencySvg.Series("put", uniform(100, 8))),
        List.of(new LatencySvg.Marker("kill -9 n1", 2_000 * MS))));

    assertThat(texts(d)).contains("kill -9 n1", "2"); // the run ends at 0.99 s; the axis reaches the kill
  }

  @Test
  void aHistorysOkOperationsBecomeOneSeriesPerOperation() {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000 * MS);
    dev.parley.protocols.history.HistoryRecorder history = new dev.parley.protocols.history.HistoryRecorder(now::get);
    var put = history.invoke("c1", "put", "k", 1L);
    now.addAndGet(3 * MS);
    history.ok(put);
    var get = history.invoke("c1", "get", "k", null);
    now.addAndGet(5 * MS);
    history.info(get, "timed out");

    var series = LatencySamples.perOperation(history.history(), 1_000 * MS);

    assertThat(series).containsOnlyKeys("put");
    assertThat(series.get("put").completedAt()).containsExactly(3 * MS);
    assertThat(series.get("put").latencies()).containsExactly(3 * MS);
  }

  @Test
  void aTailTwoDecadesAboveTheRestTurnsTheLatencyAxisLogarithmic() throws Exception {
    LatencySamples s = LatencySamples.startingNow();
    for (int i = 0; i < 99; i++) {
      s.record(0, MS / 10);
    }
    s.record(0, 2_000 * MS);

    List<String> texts = texts(parse(LatencySvg.percentiles("tail", List.of(new LatencySvg.Series("s", s)))));

    assertThat(texts).contains("latency (ms), log scale", "0.1", "1", "10", "100", "1000");
  }

  @Test
  void nothingToDrawIsSaidPlainlyInsteadOfWritingABrokenFile(@TempDir Path dir) {
    assertThatThrownBy(() -> LatencySvg.overTime("empty run", List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("nothing to draw for 'empty run': no series given");
    List<LatencySvg.Series> silent = List.of(new LatencySvg.Series("raft-kv", LatencySamples.startingNow()));
    assertThatThrownBy(() -> LatencySvg.write(dir, "kv", "no answers", silent))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nothing to draw for 'no answers': no series has a sample ([raft-kv])");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void aSeriesWithoutSamplesBesideOthersIsNamedAsSuchInTheLegend() throws Exception {
    List<LatencySvg.Series> series = List.of(
        new LatencySvg.Series("answered", uniform(100, 6)),
        new LatencySvg.Series("never answered", LatencySamples.startingNow()));

    assertThat(texts(parse(LatencySvg.overTime("t", series)))).contains("never answered (no samples)");
    assertThat(texts(parse(LatencySvg.percentiles("t", series)))).contains("never answered (no samples)");
  }

  @Test
  void writeNamesBothFilesAfterTheChart(@TempDir Path dir) throws Exception {
    List<Path> written = LatencySvg.write(dir.resolve("figures"), "mutex-3",
        "title", List.of(new LatencySvg.Series("s", uniform(10, 7))));

    assertThat(written).extracting(p -> p.getFileName().toString())
        .containsExactly("mutex-3-over-time.svg", "mutex-3-percentiles.svg");
    for (Path p : written) {
      parse(Files.readString(p));
    }
  }

  @Test
  void samplesAreTimedFromTheirOriginAndEveryOneIsInTheHistogram() {
    LatencySamples s = new LatencySamples(1_000 * MS);
    s.record(990 * MS, 1_005 * MS); // began in the warm-up, before the origin
    s.record(1_010 * MS, 1_012 * MS);
    s.record(970 * MS, 980 * MS); // over before the origin

    assertThat(s.completedAt()).containsExactly(5 * MS, 12 * MS, -20 * MS);
    assertThat(s.latencies()).containsExactly(15 * MS, 2 * MS, 10 * MS);
    assertThat(s.histogram().getTotalCount()).isEqualTo(3);
    assertThat(s.leftOut()).isZero();
  }
}

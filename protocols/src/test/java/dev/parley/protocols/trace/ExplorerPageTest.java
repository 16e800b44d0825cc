package dev.parley.protocols.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explorer page as Java hands it out: a run embedded so that no text of the run can end the
 * script element that holds it, the live page with no run and only relative URLs, and the page's DOM
 * contract present. Also writes {@code protocols/target/explorer-sample.html} (a made-up three-node
 * run with states and an INVALID history) and {@code explorer-large.html} (over 50,000 events) to look at
 * in a browser. Where Chromium is installed ({@code /usr/bin/chromium} or {@code $PARLEY_CHROMIUM};
 * {@code bin/chromium install}), two tests open pages in it and read the DOM it drew; elsewhere they
 * are skipped, saying why.
 */
class ExplorerPageTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OPEN = "<script type=\"application/json\" id=\"parley-run\">";

  @Test
  void anEmbeddedRunReadsBackAsTheSameJson() throws Exception {
    String run = sampleRun(12).toString();

    String page = ExplorerPage.html(run);

    assertThat(JSON.readTree(embedded(page))).isEqualTo(JSON.readTree(run));
  }

  @Test
  void aLabelThatLooksLikeMarkupCannotEndTheScriptThatHoldsTheRun() throws Exception {
    ObjectNode run = sampleRun(4);
    String nasty = "Put[v=</script><script>alert(1)</script>, note=<!--<script>]";
    ((ObjectNode) run.get("events").get(0)).put("label", nasty);

    String page = ExplorerPage.html(run.toString());

    String slot = embedded(page);
    assertThat(slot).doesNotContain("</").doesNotContain("<!--");
    assertThat(JSON.readTree(slot).get("events").get(0).get("label").asText()).isEqualTo(nasty);
    assertThat(page.indexOf("alert(1)")).isGreaterThan(page.indexOf(OPEN));
    assertThat(page).containsOnlyOnce("id=\"parley-run\"");
  }

  @Test
  void theLivePageHasNoRunAndLoadsItsRunAndUpdatesFromRelativeUrls() {
    String page = ExplorerPage.live();

    assertThat(embedded(page)).isEmpty();
    assertThat(page).contains("\"run\"").contains("\"live\"").contains("\"explorer/\"");
    assertThat(page).doesNotContain("src=\"http").doesNotContain("href=\"http").doesNotContain("url(http")
        .doesNotContainPattern("<link(?![^>]*href=\"data:)").doesNotContain("import(");
  }

  @Test
  void thePageCarriesTheElementsOfTheDomContract() {
    String page = ExplorerPage.live();

    for (String id : List.of("error", "notes", "lanes", "diagram", "filter-node", "filter-instance", "filter-type",
        "hide-heartbeats", "window-start", "window-size", "zoom-in", "zoom-out", "detail", "detail-event",
        "detail-message", "detail-clock", "detail-upcalls", "detail-state", "permalink", "history", "verdict")) {
      assertThat(page).as("element #" + id).contains("id=\"" + id + "\"");
    }
    assertThat(page).contains("dataset.ready");
  }

  @Test
  void writeCreatesTheFileAndItsDirectory(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("runs/seed-42.html");

    ExplorerPage.write(file, sampleRun(3).toString());

    assertThat(JSON.readTree(embedded(Files.readString(file))).get("nodes")).hasSize(3);
  }

  @Test
  void writesTheSamplePagesToLookAt() throws Exception {
    Path target = Path.of("target");
    Path sample = ExplorerPage.write(target.resolve("explorer-sample.html"), sampleRun(60).toString());
    Path large = ExplorerPage.write(target.resolve("explorer-large.html"), sampleRun(7_800).toString());
    Files.writeString(target.resolve("explorer-sample.json"), sampleRun(60).toString());

    assertThat(Files.size(sample)).isGreaterThan(1_000);
    assertThat(JSON.readTree(embedded(Files.readString(large))).get("events").size()).isGreaterThan(50_000);
  }

  @Test
  void chromiumDrawsARunWhoseLabelQuotesMarkupWithItsArrowsAndTheBlamedOperation(@TempDir Path dir) throws Exception {
    ObjectNode run = sampleRun(6);
    ((ObjectNode) run.get("events").get(0)).put("label", "Heartbeat[note=</script><script>document.title='owned'</script>]");
    Path page = ExplorerPage.write(dir.resolve("sample.html"), run.toString());

    String dom = chromiumDom(page, dir);

    assertThat(dom).contains("data-ready=\"true\"");
    assertThat(dom).containsPattern("<div id=\"error\"[^>]*hidden");
    assertThat(count(dom, "class=\"lane\" data-node=\"n[123]\"")).isEqualTo(3);
    assertThat(count(dom, "class=\"event [a-z ]*\" data-i=")).isEqualTo(run.get("events").size());
    assertThat(dom).containsPattern("<g class=\"arrow\" data-send=\"5\" data-receive=\"6\"[^>]*>.*?raft: AppendEntries</text></g>");
    assertThat(dom).containsPattern("class=\"op ok blamed\" data-op=\"2\"");
    assertThat(dom).contains("INVALID").doesNotContain("owned</title>");
  }

  @Test
  void chromiumShowsOneMessageAndNoDiagramForATruncatedRun(@TempDir Path dir) throws Exception {
    String whole = sampleRun(6).toString();
    Path page = ExplorerPage.write(dir.resolve("cut.html"), whole.substring(0, whole.length() / 2));

    String dom = chromiumDom(page, dir);

    assertThat(dom).contains("data-ready=\"true\"");
    Matcher error = Pattern.compile("<div id=\"error\" role=\"alert\">([^<]*)</div>").matcher(dom);
    assertThat(error.find()).as("a visible #error").isTrue();
    assertThat(error.group(1)).contains("truncated").contains("Write the run again");
    assertThat(dom).doesNotContain("class=\"event ");
  }

  /** The DOM Chromium drew for {@code page}, or the test is skipped where Chromium is not installed. */
  private static String chromiumDom(Path page, Path dir) throws Exception {
    String browser = System.getenv().getOrDefault("PARLEY_CHROMIUM", "/usr/bin/chromium");
    Assumptions.assumeTrue(Files.isExecutable(Path.of(browser)),
        "Chromium is not installed at " + browser + " (bin/chromium install, or set PARLEY_CHROMIUM)");
    Process chromium = new ProcessBuilder(browser, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--user-data-dir=" + dir.resolve("profile"), "--virtual-time-budget=3000", "--dump-dom",
        page.toUri().toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    String dom = new String(chromium.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(chromium.waitFor(120, TimeUnit.SECONDS)).as("Chromium finished").isTrue();
    return dom;
  }

  private static long count(String text, String regex) {
    return Pattern.compile(regex).matcher(text).results().count();
  }

  /** The text inside the run's script element, as the browser would read it (up to the first end tag). */
  private static String embedded(String page) {
    int from = page.indexOf(OPEN);
    assertThat(from).as("the run slot").isNotNegative();
    int start = from + OPEN.length();
    return page.substring(start, page.indexOf("</script>", start));
  }

  /**
   * A made-up run of three nodes: a raft instance that sends AppendEntries and heartbeats, a kv
   * instance whose messages quote their own clocks, client writes and reads with upcalls, states on
   * some events, a crash, and a history whose checker blames one read.
   */
  static ObjectNode sampleRun(int rounds) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode run = f.objectNode();
    run.put("format", "parley-run");
    run.put("version", 1);
    run.put("title", "ExplorerSample seed 42");
    run.put("source", "simulation");
    run.put("replay", "mvn -pl protocols test -Dtest=ExplorerPageTest -Dparley.seed=42");
    run.putArray("notes").add("A made-up run to look at the page with: n3 crashes halfway and restarts.");
    List<String> nodes = List.of("n1", "n2", "n3");
    ArrayNode nodeArray = run.putArray("nodes");
    nodes.forEach(nodeArray::add);
    run.put("timeUnit", "virtual");
    Sample s = new Sample(run.putArray("events"), nodes);
    ArrayNode ops = f.arrayNode();
    long term = 1;
    for (int r = 0; r < rounds; r++) {
      if (r % 3 == 0) {
        for (String to : List.of("n2", "n3")) {
          long id = s.send("n1", "raft", to, "Heartbeat", "Heartbeat[term=" + term + "]");
          s.receive(to, "raft", "n1", id, "Heartbeat", "Heartbeat[term=" + term + "]");
        }
        continue;
      }
      String client = "c" + (1 + r % 2);
      long invoke = s.time + 100;
      int requestAt = s.local("n1", "kv", "client", client + " write k " + r);
      long a = s.send("n1", "raft", "n2", "AppendEntries", "AppendEntries[term=" + term + ", entries=[write k " + r + "]]");
      int last = s.receive("n2", "raft", "n1", a, "AppendEntries", "AppendEntries[term=" + term + ", entries=[write k " + r + "]]");
      s.state(last, Map.of("term", term, "role", "follower", "log", r));
      long b = s.send("n2", "kv", "n3", "Replicate", "Replicate[k=" + r + ", clock=[n1=" + r + ", n2=" + (r + 1) + "]]");
      if (r == rounds / 2) {
        s.local("n3", "kv", "crash", "crash");
        s.local("n3", "kv", "restart", "restart");
      } else {
        s.receive("n3", "kv", "n2", b, "Replicate", "Replicate[k=" + r + ", clock=[n1=" + r + ", n2=" + (r + 1) + "]]");
        s.local("n3", "kv", "upcall", "Applied[k=" + r + "]");
      }
      int committed = s.local("n1", "raft", "upcall", "Committed[" + r + "]");
      s.state(committed, "leader of term " + term + ", commit index " + r);
      int reply = s.local("n1", "kv", "upcall", "Reply[" + client + ", ok]");
      ObjectNode op = ops.addObject();
      op.put("id", r);
      op.put("client", client);
      op.put("node", "n1");
      op.put("f", r % 4 == 2 ? "read" : "write");
      op.put("key", "k");
      op.put("arg", r % 4 == 2 ? null : r);
      op.put("result", r % 4 == 2 ? r - 2 : null);
      op.put("outcome", r == 5 ? "info" : "ok");
      op.put("invoke", invoke);
      if (r == 5) {
        op.putNull("complete");
      } else {
        op.put("complete", s.time);
      }
      op.putArray("events").add(requestAt).add(reply);
      if (r % 7 == 6) {
        term++;
      }
    }
    ObjectNode states = run.putObject("states");
    states.set("n1", f.objectNode().put("term", term).put("role", "leader"));
    states.put("n2", "follower of term " + term);
    states.put("n3", "recovering");
    ObjectNode history = run.putObject("history");
    history.set("operations", ops);
    ObjectNode verdict = history.putObject("verdict");
    verdict.put("checker", "linearizability");
    verdict.put("outcome", "INVALID");
    verdict.put("summary", "read k -> 0 (op 2) cannot be placed: no order of the writes explains it");
    verdict.putArray("counterexample").add("write k 1 completed before read k began").add("read k returned 0, a value never written");
    verdict.putArray("blamed").add(2);
    return run;
  }

  /** Builds the events of {@link #sampleRun}: vector clocks, message numbers and time. */
  private static final class Sample {
    final ArrayNode events;
    final Map<String, Map<String, Long>> clocks = new TreeMap<>();
    final Map<String, Long> sent = new TreeMap<>();
    long time;

    Sample(ArrayNode events, List<String> nodes) {
      this.events = events;
      nodes.forEach(n -> clocks.put(n, new TreeMap<>()));
    }

    long send(String node, String instance, String to, String type, String label) {
      long id = sent.merge(node, 1L, Long::sum);
      add(node, instance, "send", to, id, type, label, null);
      return id;
    }

    int receive(String node, String instance, String from, long id, String type, String label) {
      return add(node, instance, "receive", from, id, type, label, from);
    }

    int local(String node, String instance, String type, String label) {
      return add(node, instance, "local", null, 0, type, label, null);
    }

    void state(int event, Object state) {
      ((ObjectNode) events.get(event)).set("state", JSON.valueToTree(state));
    }

    private int add(String node, String instance, String kind, String peer, long id, String type, String label,
        String mergeFrom) {
      Map<String, Long> clock = clocks.get(node);
      if (mergeFrom != null) {
        clocks.get(mergeFrom).forEach((n, c) -> clock.merge(n, c, Math::max));
      }
      clock.merge(node, 1L, Long::sum);
      time += 1_000 + (events.size() * 7919L) % 50_000;
      ObjectNode e = events.addObject();
      int i = events.size() - 1;
      e.put("i", i);
      e.put("node", node);
      e.put("instance", instance);
      e.put("kind", kind);
      e.put("peer", peer);
      e.put("id", id);
      e.put("type", type);
      e.put("label", label);
      ObjectNode c = e.putObject("clock");
      clock.forEach(c::put);
      e.put("t", time);
      return i;
    }
  }
}

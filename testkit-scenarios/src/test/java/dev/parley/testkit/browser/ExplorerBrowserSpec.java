package dev.parley.testkit.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.protocols.trace.ExplorerPage;
import dev.parley.testkit.trace.ExplorerRecordingSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The explorer page in headless Chromium over a failing simulation run, as a user would use it: a
 * primary-backup store whose primary answers before replicating (a planted bug), three nodes
 * crashed in turn, four clients; its history is not linearizable. The page loads with no console
 * error, draws every node, filters, steps with the keyboard, shows each event's message, vector
 * clock and the node's state, shows the verdict and the operation the checker blames, selects that
 * operation's events on a click, and its link reopens the same view. Screenshots of each step are
 * kept in {@code target/explorer-screenshots}.
 */
class ExplorerBrowserSpec {

  static final Path PAGES = Path.of("target", "explorer-pages");
  static HeadlessChromium browser;
  static Path page;
  static JsonNode run;

  @BeforeAll
  static void start() throws Exception {
    browser = HeadlessChromium.start(ExplorerBadInputSpec.SCREENSHOTS);
    page = ExplorerRecordingSpec.writeInvalidRun(Files.createDirectories(PAGES));
    run = new ObjectMapper().readTree(page.resolveSibling("invalid-primary-backup.json").toFile());
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
  }

  static int selected() {
    List<WebElement> s = browser.all("#diagram .event.selected");
    assertThat(s).as("one event is selected").hasSize(1);
    return Integer.parseInt(s.get(0).getDomAttribute("data-i"));
  }

  static void press(CharSequence key) {
    new Actions(browserDriver()).sendKeys(key).perform();
  }

  static org.openqa.selenium.WebDriver browserDriver() {
    return browser.driver();
  }

  @Test
  void aFailingRunShowsEveryNodeFiltersStepsAndTheOperationTheCheckerBlames() {
    browser.open(page.toUri().toString());
    browser.screenshot("failing-run");
    assertThat(browser.consoleErrors()).as("console errors").isEmpty();

    Set<String> nodes = new HashSet<>();
    run.get("nodes").forEach(n -> nodes.add(n.asText()));
    List<String> lanes = browser.all("#lanes .lane").stream().map(l -> l.getDomAttribute("data-node")).toList();
    assertThat(lanes).as("one lane per node").containsExactlyInAnyOrderElementsOf(nodes);
    assertThat(arrowLabels()).as("messages drawn").isNotEmpty().allSatisfy(label -> assertThat(label).contains(": "));

    // the verdict, and the operation it blames
    JsonNode verdict = run.get("history").get("verdict");
    assertThat(verdict.get("outcome").asText()).isEqualTo("INVALID");
    String blamed = verdict.get("blamed").get(0).asText();
    assertThat(browser.one("#verdict").getText()).contains("INVALID").contains(verdict.get("summary").asText());
    List<WebElement> blamedOps = browser.all("#history .op.blamed");
    assertThat(blamedOps).extracting(o -> o.getDomAttribute("data-op")).containsExactly(blamed);

    // clicking it selects its events
    browser.script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", blamedOps.get(0));
    browser.waitUntil("the blamed operation selected", () -> !browser.all("#history .op.selected").isEmpty());
    List<Integer> opEvents = new ArrayList<>();
    for (JsonNode op : run.get("history").get("operations")) {
      if (op.get("id").asText().equals(blamed) && op.has("events")) {
        op.get("events").forEach(e -> opEvents.add(e.asInt()));
      }
    }
    assertThat(opEvents).as("the blamed operation's events are known").isNotEmpty();
    browser.waitUntil("one of its events selected", () -> !browser.all("#diagram .event.selected").isEmpty());
    assertThat(opEvents).contains(selected());
    browser.screenshot("blamed-operation");

    // the selected event's detail: message, vector clock, the node's state
    assertThat(browser.one("#detail-event").getText()).isNotBlank();
    assertThat(browser.one("#detail-clock").getText()).containsAnyOf(nodes.toArray(String[]::new));
    assertThat(browser.one("#detail-state").getText()).as("the node's state after the event").isNotBlank();

    // stepping with the keyboard
    int at = selected();
    press("j");
    browser.waitUntil("the next event selected", () -> selected() != at);
    int next = selected();
    assertThat(next).isGreaterThan(at);
    press("k");
    browser.waitUntil("back to the event before", () -> selected() == at);
    press(Keys.ARROW_DOWN);
    browser.waitUntil("the next event again", () -> selected() == next);

    // the link reopens the same view
    browser.waitUntil("the link names the selected event", () -> browser.url().contains("e=" + next));
    String link = browser.url();
    browser.driver().get("about:blank");
    browser.open(link);
    assertThat(selected()).as("the link reopened the selected event").isEqualTo(next);
    assertThat(browser.consoleErrors()).as("console errors").isEmpty();
  }

  @Test
  void filtersHideANodesLaneAndAMessageTypesArrows() {
    browser.open(page.toUri().toString());
    String type = browser.all("#filter-type input").get(0).getDomAttribute("value");
    String node = browser.all("#filter-node input").get(0).getDomAttribute("value");
    assertThat(arrowsOf(type)).as("arrows of %s before the filter", type).isPositive();

    browser.one("#filter-type input[value='" + type + "']").click();
    browser.waitUntil("no arrow of " + type, () -> arrowsOf(type) == 0);
    browser.one("#filter-node input[value='" + node + "']").click();
    browser.waitUntil("no lane of " + node, () -> browser.all("#lanes .lane[data-node='" + node + "']").isEmpty());
    assertThat(browser.all("#lanes .lane")).hasSize(run.get("nodes").size() - 1);
    browser.screenshot("filtered");
    assertThat(browser.consoleErrors()).as("console errors").isEmpty();
  }

  /**
   * A cluster's run keeps wall-clock times in nanoseconds since 1970, beyond 2^53, where {@code t + 1}
   * can equal {@code t}: a history whose operations span no time (one write, not yet answered, at the
   * instant of the run's only event) still draws its operation, at a number, with no console error.
   */
  @Test
  void aClusterRunWhoseHistorySpansNoTimeDrawsItsOperation() throws Exception {
    long t = 1_796_000_000_123_456_789L;
    String json = """
        {"format": "parley-run", "version": 1, "timeUnit": "wall", "title": "one write", "nodes": ["n1"],
         "events": [{"i": 0, "node": "n1", "kind": "local", "type": "client", "clock": {"n1": 1}, "t": %d}],
         "history": {"operations": [{"id": "1", "client": "c1", "node": "n1", "f": "write", "key": "k", "arg": "v",
                                     "invoke": %d, "outcome": "info"}]}}
        """.formatted(t, t);
    Path onePoint = ExplorerPage.write(Files.createDirectories(PAGES).resolve("history-without-span.html"), json);

    browser.open(onePoint.toUri().toString());

    List<WebElement> ops = browser.all("#history .op rect");
    assertThat(ops).as("the operation drawn").hasSize(1);
    assertThat(Double.parseDouble(ops.get(0).getDomAttribute("x"))).as("its x").isFinite();
    assertThat(Double.parseDouble(ops.get(0).getDomAttribute("width"))).as("its width").isFinite().isPositive();
    assertThat(browser.consoleErrors()).as("console errors").isEmpty();
  }

  static long arrowsOf(String type) {
    return arrowLabels().stream().filter(label -> label.endsWith(": " + type)).count();
  }

  /** The label of every arrow drawn, read in one script (not one driver round trip per arrow). */
  static List<String> arrowLabels() {
    return ((List<?>) browser.script("return [...document.querySelectorAll('#diagram .arrow')].map(a => a.textContent.trim())"))
        .stream().map(String::valueOf).toList();
  }
}

package dev.parley.testkit.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.trace.ExplorerPage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The explorer page in headless Chromium, given what is not a run it can show: each case ends in
 * one clear message in {@code #error} and nothing drawn, never a wrong diagram, and no console error
 * beyond the message. Screenshots are kept in {@code target/explorer-screenshots}.
 */
class ExplorerBadInputSpec {

  static final Path PAGES = Path.of("target", "explorer-pages");
  static final Path SCREENSHOTS = Path.of("target", "explorer-screenshots");
  static HeadlessChromium browser;

  @BeforeAll
  static void start() {
    browser = HeadlessChromium.start(SCREENSHOTS);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
  }

  /** Opens the page with {@code text} embedded where a run goes; returns the error shown. */
  static String errorFor(String name, String text) throws Exception {
    Path page = ExplorerPage.write(Files.createDirectories(PAGES).resolve(name + ".html"), text);
    browser.open(page.toUri().toString());
    browser.screenshot("bad-input-" + name);
    assertThat(browser.one("#error").isDisplayed()).as("%s: the error is shown", name).isTrue();
    assertThat(browser.all("#diagram .event")).as("%s: nothing is drawn", name).isEmpty();
    return browser.one("#error").getText();
  }

  @Test
  void aTruncatedRunSaysItIsCutOffAndDrawsNothing() throws Exception {
    String run = "{\"format\":\"parley-run\",\"version\":1,\"title\":\"cut\",\"source\":\"simulation\",\"nodes\":[\"n1\"],"
        + "\"events\":[{\"i\":0,\"node\":\"n1\",\"instance\":\"group\",\"kind\":\"local\",\"peer\":null,\"id\":0,";
    assertThat(errorFor("truncated", run)).containsIgnoringCase("truncated");
  }

  @Test
  void aRunOfAnotherVersionSaysWhichVersionThePageReads() throws Exception {
    String run = "{\"format\":\"parley-run\",\"version\":99,\"title\":\"future\",\"source\":\"simulation\","
        + "\"nodes\":[\"n1\"],\"events\":[]}";
    assertThat(errorFor("other-version", run)).contains("99").contains("1");
  }

  @Test
  void aJsonFileThatIsNotARunSaysSo() throws Exception {
    assertThat(errorFor("not-a-run", "{\"hello\":\"world\"}")).containsIgnoringCase("not a parley run");
  }

  @Test
  void aFileThatIsNotJsonAtAllSaysSo() throws Exception {
    assertThat(errorFor("not-json", "n1 {\"n1\":1}\nsend Data to n2")).containsIgnoringCase("json");
  }
}

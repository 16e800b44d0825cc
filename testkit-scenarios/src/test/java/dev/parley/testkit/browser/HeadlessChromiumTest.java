package dev.parley.testkit.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The browser harness itself: a console error on a page is seen, so "no console error" can fail. */
class HeadlessChromiumTest {

  @Test
  void aPagesConsoleErrorIsReportedAndItsScreenshotKept() throws Exception {
    Path dir = Path.of("target", "browser-screenshots");
    Path page = Files.createDirectories(Path.of("target", "browser-pages")).resolve("console-error.html");
    Files.writeString(page, "<html><body><p>hello</p><script>"
        + "console.error('something broke'); document.body.dataset.ready = 'true';</script></body></html>");
    try (HeadlessChromium browser = HeadlessChromium.start(dir)) {
      browser.open(page.toUri().toString());

      assertThat(browser.one("p").getText()).isEqualTo("hello");
      assertThat(browser.consoleErrors()).anySatisfy(e -> assertThat(e).contains("something broke"));
      assertThat(browser.screenshot("console-error")).isNotEmptyFile();
    }
  }
}

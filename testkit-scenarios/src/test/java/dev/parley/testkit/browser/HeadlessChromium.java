package dev.parley.testkit.browser;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, driven through its ChromeDriver by Selenium, for specs that look at a
 * page as a user would. {@code bin/chromium install} installs both; where they are missing the spec
 * is skipped, saying so. The browser starts with a fresh profile and no background networking (this
 * machine's network is closed), and is always quit by {@link #close()}.
 */
public final class HeadlessChromium implements AutoCloseable {

  private static final String BROWSER = System.getenv().getOrDefault("PARLEY_CHROMIUM", "/usr/bin/chromium");
  private static final String DRIVER = System.getenv().getOrDefault("PARLEY_CHROMEDRIVER", "/usr/bin/chromedriver");
  /** Generous: a loaded two-core machine starts Chromium slowly. */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final ChromeDriver driver;
  private final Path profile;
  private final Path screenshots;

  private HeadlessChromium(ChromeDriver driver, Path profile, Path screenshots) {
    this.driver = driver;
    this.profile = profile;
    this.screenshots = screenshots;
  }

  /**
   * Starts the browser, or skips the calling spec if Chromium or ChromeDriver is not installed.
   * Screenshots go to {@code screenshots}.
   */
  public static HeadlessChromium start(Path screenshots) {
    Assumptions.assumeTrue(new File(BROWSER).canExecute() && new File(DRIVER).canExecute(),
        "Chromium or ChromeDriver is missing (" + BROWSER + ", " + DRIVER + "): the browser specs are skipped;"
            + " bin/chromium install installs them (as root)");
    try {
      Path profile = Files.createTempDirectory("parley-chromium");
      ChromeOptions options = new ChromeOptions();
      options.setBinary(BROWSER);
      options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--window-size=1400,1000", "--user-data-dir=" + profile);
      options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
      ChromeDriverService service = new ChromeDriverService.Builder()
          .usingDriverExecutable(new File(DRIVER))
          .usingAnyFreePort()
          .build();
      Files.createDirectories(screenshots);
      return new HeadlessChromium(new ChromeDriver(service, options), profile, screenshots);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens {@code url} and waits until the page says it is ready ({@code body[data-ready=true]}). */
  public HeadlessChromium open(String url) {
    driver.get(url);
    waitUntil("the page to be ready (body data-ready=true)",
        () -> "true".equals(driver.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    return this;
  }

  /** Waits for {@code condition}, failing with {@code what} if it does not come within the bound. */
  public void waitUntil(String what, java.util.function.BooleanSupplier condition) {
    new WebDriverWait(driver, WAIT).withMessage("waiting for " + what).until(d -> condition.getAsBoolean());
  }

  public List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  public WebElement one(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  /** Runs {@code script} in the page and returns its result. */
  public Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** The driver itself, for what this class does not wrap (key presses, mouse actions). */
  public org.openqa.selenium.WebDriver driver() {
    return driver;
  }

  /** The page's URL now (its hash carries the view). */
  public String url() {
    return driver.getCurrentUrl();
  }

  /** What the browser's console reported at level SEVERE (errors) since the last call. */
  public List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }

  /** Saves what the page shows now as {@code name}.png, kept as test output. */
  public Path screenshot(String name) {
    try {
      Path file = screenshots.resolve(name + ".png");
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      deleteQuietly(profile);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a profile left in /tmp is harmless
    }
  }
}

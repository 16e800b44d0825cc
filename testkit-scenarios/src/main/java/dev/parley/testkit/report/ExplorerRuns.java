package dev.parley.testkit.report;

import dev.parley.protocols.trace.ExplorerPage;
import dev.parley.protocols.trace.RunRecord;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Writing a recorded run ({@link RunRecord}) where a person opens it: {@code <dir>/<name>.html}, the
 * explorer page with the run embedded (opens from a file, no network), and {@code <dir>/<name>.json},
 * the run file itself (for other tools, or a diff between two runs).
 *
 * <p>Failing simulations write theirs to {@link #failureDirectory()}: {@code target/parley-runs}
 * under the module being tested (Maven runs tests there), or the directory of {@code
 * -Dparley.runs.dir=...}. Cost: the page template plus the run's JSON, twice (embedded and alone),
 * written once per call.
 */
public final class ExplorerRuns {

  /** The system property naming where failing runs write their pages. */
  public static final String DIRECTORY_PROPERTY = "parley.runs.dir";

  private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]+");

  private ExplorerRuns() {}

  /**
   * Writes {@code run} as {@code <dir>/<name>.html} (the page) and {@code <dir>/<name>.json},
   * creating {@code dir}; returns the page's path. {@code name} is made safe for a file name (a
   * {@code #} would end a file URL): anything but letters, digits, {@code .}, {@code _} and {@code -}
   * becomes {@code -}.
   */
  public static Path write(Path dir, String name, RunRecord run) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(run, "run");
    String file = fileName(name);
    String json = run.toJson();
    Path page = ExplorerPage.write(dir.resolve(file + ".html"), json);
    run.write(dir.resolve(file + ".json"));
    return page;
  }

  /** Where failing runs write their pages: {@code -Dparley.runs.dir}, else {@code target/parley-runs}. */
  public static Path failureDirectory() {
    String dir = System.getProperty(DIRECTORY_PROPERTY);
    return dir == null || dir.isBlank() ? Path.of("target", "parley-runs") : Path.of(dir.trim());
  }

  /** {@code name} as a file name: runs of anything but letters, digits, '.', '_' and '-' become '-'. */
  public static String fileName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a run needs a name to be written under (such as MySpec-myTest-seed-7)");
    }
    return UNSAFE.matcher(name.strip()).replaceAll("-");
  }
}

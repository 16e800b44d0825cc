package dev.parley.testkit.sim;

import dev.parley.protocols.trace.RunRecord;
import dev.parley.testkit.report.ExplorerRuns;
import java.nio.file.Path;

/**
 * Where a failed simulation's explorer page goes and how it is written: {@code
 * <ExplorerRuns.failureDirectory()>/<Test>-<method>-seed-<n>.html} (with {@code -shrunk} for a shrunk
 * replay; {@code simulation-seed-<n>} when no test is known, see {@link CurrentTest}), the run file
 * beside it. Writing never hides the failure: a page that cannot be written is simply not named.
 */
final class FailurePages {

  private FailurePages() {}

  /**
   * Writes {@code sim}'s run (traced) as the page of the failure of {@code seed}, with {@code notes}
   * added; returns the page's absolute path, or null if it could not be written.
   */
  static Path write(Simulation<?> sim, long seed, boolean shrunk, String... notes) {
    String test = CurrentTest.name();
    String what = test == null ? "simulation" : test;
    try {
      RunRecord run = sim.record(what + " seed " + seed + (shrunk ? ", shrunk" : ""));
      for (String note : notes) {
        run = run.withNote(note);
      }
      return ExplorerRuns.write(ExplorerRuns.failureDirectory(), what + "-seed-" + seed + (shrunk ? "-shrunk" : ""),
          run).toAbsolutePath();
    } catch (RuntimeException e) {
      return null;
    }
  }
}

package dev.parley.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one of the project's {@code bin/} scripts as a user would, in a copy of the project, and
 * keeps what it said, how long it took and the node processes it reported starting. A script still
 * running after its limit is killed and fails the test with its output.
 */
final class BinScript {

  /** A run: its exit status, its output, how long it took, the pids of the nodes it started. */
  record Outcome(int status, String output, Duration took, List<Long> pids) {}

  private BinScript() {}

  /**
   * Runs {@code bin/<script> args} in {@code root}.
   *
   * @param started where the output names a node process it started; group 1 is the pid
   */
  static Outcome run(Path root, String script, Duration limit, Pattern started, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", root.resolve("bin").resolve(script).toString()));
    command.addAll(List.of(args));
    Path output = root.resolve("output.txt");
    long start = System.nanoTime();
    Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("bin/" + script + " " + String.join(" ", args) + " still runs after "
          + limit.toSeconds() + " s: " + Files.readString(output));
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    String text = Files.readString(output);
    List<Long> pids = new ArrayList<>();
    Matcher m = started.matcher(text);
    while (m.find()) {
      pids.add(Long.parseLong(m.group(1)));
    }
    return new Outcome(p.exitValue(), text, took, pids);
  }
}

package dev.parley.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The project's main code, in every module and in examples/, uses only Akka's public API and never
 * inspects stack frames: an upgrade of Akka must not break it silently, and the simulation must not
 * depend on who called it. Where a hook is needed it is built on public API (docs/design.md).
 */
class PublicApiOnlyTest {

  private static final Pattern AKKA_INTERNAL = Pattern.compile("\\bakka(\\.\\w+)*\\.internal\\b");
  private static final Pattern STACK_INSPECTION =
      Pattern.compile("\\b(StackWalker|getStackTrace|StackTraceElement)\\b");

  @Test
  void mainCodeUsesNoAkkaInternalApiAndInspectsNoStackFrames() throws IOException {
    Path root = projectRoot();
    List<Path> trees = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root)) {
      modules
          .map(m -> m.resolve("src/main/java"))
          .filter(Files::isDirectory)
          .sorted()
          .forEach(trees::add);
    }
    assertThat(trees)
        .as("the main source trees found under " + root)
        .contains(
            root.resolve("protocols/src/main/java"),
            root.resolve("testkit-scenarios/src/main/java"),
            root.resolve("cluster-runtime/src/main/java"),
            root.resolve("examples/src/main/java"));

    List<String> violations = new ArrayList<>();
    for (Path tree : trees) {
      try (Stream<Path> files = Files.walk(tree)) {
        files
            .filter(f -> f.toString().endsWith(".java"))
            .sorted()
            .forEach(f -> violations.addAll(violations(root, f)));
      }
    }
    assertThat(violations)
        .as(
            "main code must use Akka's public API only (no akka.*.internal) and must not inspect "
                + "stack frames (StackWalker, getStackTrace); build the hook on public API instead")
        .isEmpty();
  }

  /** Each line of {@code file}'s code (comments left out) that breaks the rule, with its place. */
  private static List<String> violations(Path root, Path file) {
    List<String> out = new ArrayList<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    boolean inComment = false;
    for (int i = 0; i < lines.size(); i++) {
      StringBuilder code = new StringBuilder();
      String line = lines.get(i);
      int at = 0;
      while (at < line.length()) {
        if (inComment) {
          int end = line.indexOf("*/", at);
          if (end < 0) {
            break;
          }
          inComment = false;
          at = end + 2;
        } else if (line.startsWith("//", at)) {
          break;
        } else if (line.startsWith("/*", at)) {
          inComment = true;
          at += 2;
        } else {
          code.append(line.charAt(at++));
        }
      }
      String what =
          AKKA_INTERNAL.matcher(code).find()
              ? "uses Akka internal API"
              : STACK_INSPECTION.matcher(code).find() ? "inspects stack frames" : null;
      if (what != null) {
        out.add(root.relativize(file) + ":" + (i + 1) + " " + what + ": " + line.strip());
      }
    }
    return out;
  }

  /** The directory of the parent pom: the module's parent when Maven runs the test in a module. */
  private static Path projectRoot() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("testkit-scenarios")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "no Parley project root (a directory with pom.xml and testkit-scenarios/) above " + here);
  }
}

package dev.parley.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.persistence.Journal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A harness's scratch directory for journals and logs, and the actor system's configuration over it. */
final class Scratch {

  private Scratch() {}

  /** A fresh temporary directory named after {@code what}. */
  static Path directory(String what) {
    try {
      return Files.createTempDirectory("parley-" + what + "-bench");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the " + what + " benchmark", e);
    }
  }

  /** An H2 journal in {@code dir}, a 1 ms scheduler tick, over the application's configuration. */
  static Config h2Journal(Path dir) {
    return Journal.h2(dir)
        .withFallback(ConfigFactory.parseString("akka.scheduler.tick-duration = 1ms"))
        .withFallback(ConfigFactory.load());
  }

  /**
   * The journal of {@code backend} ({@code file} or {@code h2}, as {@code parley.persistence.backend})
   * in {@code dir}, a 1 ms scheduler tick, over the application's configuration.
   */
  static Config journal(Path dir, String backend) {
    return Journal.fromSettings(ConfigFactory.parseString("parley.persistence.backend = " + backend), dir)
        .withFallback(ConfigFactory.parseString("akka.scheduler.tick-duration = 1ms"))
        .withFallback(ConfigFactory.load());
  }

  /** Deletes {@code dir} and everything in it; says so if it cannot. */
  static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }
}

package dev.parley.cluster;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.persistence.DataDirectory;
import dev.parley.persistence.Journal;
import dev.parley.persistence.JournalReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code parley-node journal --data-dir data/n1}: prints a stopped node's journal, H2's
 * {@code journal.mv.db} or the file journal's {@code journal/} directory (a running node holds its
 * data directory; ask it with {@code GET /journal} instead).
 */
@Command(name = "journal", mixinStandardHelpOptions = true, description = "Print a stopped node's journal.")
final class JournalCommand implements Callable<Integer> {

  @Option(names = "--data-dir", required = true, description = "the node's data directory")
  Path dataDir;

  @Option(names = "--limit", description = "at most this many events (default ${DEFAULT-VALUE})")
  int limit = 10_000;

  @Override
  public Integer call() {
    boolean file = Files.isDirectory(dataDir.resolve("journal"));
    if (!file && !Files.exists(dataDir.resolve("journal.mv.db"))) {
      throw new IllegalArgumentException("no journal in " + dataDir + " (expected "
          + dataDir.resolve("journal.mv.db") + " or, for backend = file, the directory "
          + dataDir.resolve("journal") + "); is it a node's data directory?");
    }
    try (DataDirectory data = DataDirectory.lock(dataDir)) {
      Config base = ConfigFactory.parseString(
              "akka.actor.provider = local\nakka.loglevel = WARNING\nakka.coordinated-shutdown.exit-jvm = off")
          .withFallback(ConfigFactory.load());
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "journal",
          (file ? Journal.file(dataDir) : Journal.h2(dataDir)).withFallback(base));
      try {
        Journal.prepare(system);
        for (JournalReader.Entry e : JournalReader.read(system, limit)) {
          System.out.printf("%-32s %6d  %s  %s%n", e.persistenceId(), e.sequenceNr(), e.written(), e.event());
        }
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().join();
      }
    }
    return 0;
  }
}

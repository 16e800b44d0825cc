package dev.parley.bench;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.AskPattern;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.persistence.Journal;
import dev.parley.persistence.file.FileLayers;
import dev.parley.protocols.core.WireMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The journals side by side: persisted events per second with 1, 16 and 64 persistent actors each
 * persisting one {@code --event-bytes} event at a time (closed loop: the next once the last is
 * acknowledged), on the file journal (group commit, forced) and on H2 (never forced), same machine,
 * same run; for the file journal also events per force (over warm-up and window: every event
 * acknowledged, every force of a journal file) and forces per second (events per second divided by
 * it). First, the raw cost
 * of one {@code FileChannel.force} after a 4 KiB append in the scratch directory's file system.
 */
@Command(name = "journal", mixinStandardHelpOptions = true,
    description = "File journal (forced, group commit) vs H2 journal: events/s, forces/s; raw fsync cost.")
final class JournalBench implements Runnable {

  @Option(names = "--actors", split = ",", description = "concurrent persisting actors (default ${DEFAULT-VALUE})")
  List<Integer> actors = List.of(1, 16, 64);

  @Option(names = "--backends", split = ",", description = "file, h2 (default ${DEFAULT-VALUE})")
  List<String> backends = List.of("file", "h2");

  @Option(names = "--warmup-ms", description = "warm-up per measurement (default ${DEFAULT-VALUE})")
  long warmupMillis = 1000;

  @Option(names = "--measure-ms", description = "measured window per measurement (default ${DEFAULT-VALUE})")
  long measureMillis = 4000;

  @Option(names = "--event-bytes", description = "bytes of text per event (default ${DEFAULT-VALUE})")
  int eventBytes = 100;

  /** A command of the benchmark's persistent actor. */
  record Persist(String text, ActorRef<Long> replyTo) implements WireMessage {}

  /** Its event. */
  record Persisted(String text) implements WireMessage {}

  /** Counts its events; answers each persist with the count once persisted. */
  static final class Writer extends EventSourcedBehavior<Persist, Persisted, Long> {
    Writer(String id) {
      super(PersistenceId.ofUniqueId(id));
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public CommandHandler<Persist, Persisted, Long> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Persist.class, (n, p) -> Effect().persist(new Persisted(p.text())).thenReply(p.replyTo(), s -> s))
          .build();
    }

    @Override
    public EventHandler<Long, Persisted> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onEvent(Persisted.class, (n, e) -> n + 1).build();
    }
  }

  @Override
  public void run() {
    Path dir = Scratch.directory("journal");
    try {
      System.out.printf("Journals: persistent actors each persisting one %d-byte event at a time (closed loop);"
          + " %d ms warm-up, %d ms measured; scratch directory %s%n", eventBytes, warmupMillis, measureMillis, dir);
      Figures.machine();
      rawForce(dir);
      System.out.println();
      Figures.row("journal", "actors", "events per second", "p50", "p99", "forces per second", "events per force");
      Figures.row("---", "---", "---", "---", "---", "---", "---");
      for (String backend : backends) {
        for (int n : actors) {
          measure(backend, n, dir.resolve(backend + "-" + n));
        }
      }
    } finally {
      Scratch.delete(dir);
    }
  }

  private void rawForce(Path dir) {
    Path file = dir.resolve("force-probe");
    ByteBuffer block = ByteBuffer.allocate(4096);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      long until = System.nanoTime() + Duration.ofMillis(measureMillis).toNanos();
      long count = 0;
      long start = System.nanoTime();
      org.HdrHistogram.Histogram latency = new org.HdrHistogram.Histogram(3);
      while (System.nanoTime() < until) {
        block.clear();
        channel.write(block);
        long t = System.nanoTime();
        channel.force(false);
        latency.recordValue(System.nanoTime() - t);
        count++;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("raw: append 4 KiB + FileChannel.force(false): %s, force p50 %.2f ms, p99 %.2f ms%n",
          Figures.perSecond(count / seconds), latency.getValueAtPercentile(50) / 1e6,
          latency.getValueAtPercentile(99) / 1e6);
    } catch (IOException e) {
      throw new UncheckedIOException("could not measure a force in " + dir, e);
    }
  }

  private void measure(String backend, int n, Path dir) {
    CountingFileLayer files = new CountingFileLayer();
    String layer = "bench-" + backend + "-" + n;
    FileLayers.register(layer, files);
    Config journal = backend.equals("file")
        ? ConfigFactory.parseString("parley-file-journal.files = \"" + layer + "\"").withFallback(Journal.file(dir))
        : Journal.h2(dir);
    ActorTestKit kit = ActorTestKit.create("bench-journal", journal
        .withFallback(ConfigFactory.parseString("akka.loglevel = WARNING"))
        .withFallback(ConfigFactory.load()));
    try {
      Journal.prepare(kit.system());
      List<ActorRef<Persist>> writers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        writers.add(kit.spawn(new Writer(backend + "-writer-" + i), "writer-" + i));
      }
      String text = "e".repeat(eventBytes);
      LongAdder events = new LongAdder();
      long forcesBefore = files.forces.sum();
      ClosedLoop.Figures f = ClosedLoop.run(n, i -> AskPattern.<Persist, Long>ask(writers.get(i),
              r -> new Persist(text, r), Duration.ofSeconds(10), kit.system().scheduler())
              .thenApply(c -> {
                events.increment();
                return c;
              }),
          Duration.ofMillis(warmupMillis), Duration.ofMillis(measureMillis));
      double perForce = events.sum() / (double) Math.max(1, files.forces.sum() - forcesBefore);
      boolean file = backend.equals("file");
      Figures.row(file ? "file (forced, group commit)" : "h2 (WRITE_DELAY=0, not forced)", String.valueOf(n),
          Figures.perSecond(f.perSecond()), f.p50(), f.p99(),
          file ? Figures.perSecond(f.perSecond() / perForce) : "none",
          file ? String.format("%.1f", perForce) : "-");
    } finally {
      kit.shutdownTestKit();
      FileLayers.unregister(layer);
    }
  }
}

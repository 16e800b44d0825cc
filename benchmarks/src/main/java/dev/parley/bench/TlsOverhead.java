package dev.parley.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.cluster.tls.KeyMaterial;
import dev.parley.protocols.core.WireMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What TLS costs between two nodes: two actor systems in this JVM on loopback, Artery over plain TCP
 * and over TLS 1.3 with mutual authentication (the key material of {@code bin/parley keys}), a
 * request and its answer of {@code --payload} bytes each way: the first exchange (connection and
 * handshakes), then closed-loop clients for the latency of one at a time and the rate of many.
 */
@Command(name = "tls", mixinStandardHelpOptions = true,
    description = "Artery over plain TCP vs TLS 1.3: first exchange, latency and request rate between two nodes.")
final class TlsOverhead implements Runnable {

  @Option(names = "--payload", description = "bytes of payload each way (default ${DEFAULT-VALUE})")
  int payload = 100;

  @Option(names = "--clients", description = "closed-loop clients for the rate (default ${DEFAULT-VALUE})")
  int clients = 64;

  @Option(names = "--seconds", description = "measured seconds per window (default ${DEFAULT-VALUE})")
  int seconds = 5;

  /** A request: echo this back to {@code replyTo}. */
  record Ping(String payload, ActorRef<Pong> replyTo) implements WireMessage {}

  /** The answer. */
  record Pong(String payload) implements WireMessage {}

  private static Behavior<Ping> echo() {
    return Behaviors.receiveMessage(p -> {
      p.replyTo().tell(new Pong(p.payload()));
      return Behaviors.same();
    });
  }

  @Option(names = "--rounds", description = "rounds per transport, alternating; medians shown (default ${DEFAULT-VALUE})")
  int rounds = 3;

  /** One round's figures: first exchange, one client's p50 and p99, many clients' rate and p99 (ms, /s). */
  private record Row(double firstMs, double oneP50, double oneP99, double rate, double manyP99) {}

  @Override
  public void run() {
    Path keys;
    try {
      keys = Files.createTempDirectory("parley-bench-keys");
      Files.delete(keys);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      KeyMaterial.generate(keys);
      Config tlsConfig = KeyMaterial.arteryConfig(keys);
      Row[] plain = new Row[rounds];
      Row[] tls = new Row[rounds];
      for (int i = 0; i < rounds; i++) {
        plain[i] = measure("tcp", ConfigFactory.empty());
        tls[i] = measure("tls-tcp", tlsConfig);
      }
      System.out.printf("TLS overhead: two nodes on loopback, %d-byte payload each way, %d s windows,"
          + " median of %d alternating rounds%n", payload, seconds, rounds);
      Figures.machine();
      Figures.row("transport", "first exchange", "1 client: p50", "1 client: p99",
          clients + " clients: requests/s", clients + " clients: p99");
      Figures.row("---", "---", "---", "---", "---", "---");
      Row p = median(plain);
      Row t = median(tls);
      print("tcp", p);
      print("tls-tcp (TLSv1.3, mutual auth)", t);
      Figures.row("tls / tcp", String.format("%.2f", t.firstMs() / p.firstMs()),
          String.format("%.2f", t.oneP50() / p.oneP50()), String.format("%.2f", t.oneP99() / p.oneP99()),
          String.format("%.2f", t.rate() / p.rate()), String.format("%.2f", t.manyP99() / p.manyP99()));
    } finally {
      deleteQuietly(keys);
    }
  }

  private static void print(String transport, Row r) {
    Figures.row(transport, String.format("%.0f ms", r.firstMs()), String.format("%.2f ms", r.oneP50()),
        String.format("%.2f ms", r.oneP99()), Figures.perSecond(r.rate()), String.format("%.1f ms", r.manyP99()));
  }

  private static Row median(Row[] rows) {
    return new Row(Figures.median(Stream.of(rows).mapToDouble(Row::firstMs).toArray()),
        Figures.median(Stream.of(rows).mapToDouble(Row::oneP50).toArray()),
        Figures.median(Stream.of(rows).mapToDouble(Row::oneP99).toArray()),
        Figures.median(Stream.of(rows).mapToDouble(Row::rate).toArray()),
        Figures.median(Stream.of(rows).mapToDouble(Row::manyP99).toArray()));
  }

  private Row measure(String transport, Config tls) {
    Config base = tls.withFallback(ConfigFactory.parseString(
        "akka.actor.provider = remote\n"
            + "akka.actor.allow-java-serialization = off\n"
            + "akka.actor.serialization-bindings { \"dev.parley.protocols.core.WireMessage\" = jackson-cbor }\n"
            + "akka.remote.artery { transport = tcp, canonical.hostname = \"127.0.0.1\", canonical.port = 0 }\n"
            + "akka.loglevel = ERROR\n"
            + "akka.log-dead-letters = off\n"
            + "akka.remote.warn-about-direct-use = off\n"
            + "akka.coordinated-shutdown.exit-jvm = off\n")).withFallback(ConfigFactory.load());
    ActorSystem<Ping> server = ActorSystem.create(echo(), "tls-bench", base);
    ActorSystem<Void> client = ActorSystem.create(Behaviors.empty(), "tls-bench", base);
    try {
      String address = Adapter.toClassic(server).provider().getDefaultAddress().toString();
      ActorRef<Ping> remote = ActorRefResolver.get(client).resolveActorRef(address + "/user");
      String body = "x".repeat(payload);
      long start = System.nanoTime();
      AskPattern.<Ping, Pong>ask(remote, r -> new Ping(body, r), Duration.ofSeconds(30), client.scheduler())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      double firstMs = (System.nanoTime() - start) / 1e6;
      ClosedLoop.Figures one = ClosedLoop.run(1, i -> ask(remote, body, client),
          Duration.ofSeconds(2), Duration.ofSeconds(seconds));
      ClosedLoop.Figures many = ClosedLoop.run(clients, i -> ask(remote, body, client),
          Duration.ofSeconds(2), Duration.ofSeconds(seconds));
      return new Row(firstMs, one.latency().getValueAtPercentile(50) / 1e6,
          one.latency().getValueAtPercentile(99) / 1e6, many.perSecond(),
          many.latency().getValueAtPercentile(99) / 1e6);
    } catch (Exception e) {
      throw new IllegalStateException("the " + transport + " run failed: " + e, e);
    } finally {
      client.terminate();
      server.terminate();
      client.getWhenTerminated().toCompletableFuture().join();
      server.getWhenTerminated().toCompletableFuture().join();
    }
  }

  private static java.util.concurrent.CompletionStage<Pong> ask(ActorRef<Ping> remote, String body,
      ActorSystem<?> client) {
    return AskPattern.ask(remote, r -> new Ping(body, r), Duration.ofSeconds(10), client.scheduler());
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
  }
}

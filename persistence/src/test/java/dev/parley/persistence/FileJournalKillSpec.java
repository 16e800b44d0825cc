package dev.parley.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import dev.parley.persistence.JournalSpec.Add;
import dev.parley.persistence.JournalSpec.Sum;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file journal on the real disk under {@code kill -9}: a child JVM persists through it with
 * many writes in flight, prints each acknowledgement, and halts (no shutdown hooks, no close) after
 * the 100th; every acknowledged event is there when the journal is opened again, and it takes
 * writes again.
 */
class FileJournalKillSpec {

  @TempDir Path dir;

  /** The child: sends 1,000 Adds of 1 at once to sum "sum" on the file journal in {@code args[0]}. */
  public static void main(String[] args) {
    ActorTestKit kit = ActorTestKit.create(Journal.file(Path.of(args[0]))
        .withFallback(ConfigFactory.parseString("akka.loglevel = OFF"))
        .withFallback(ConfigFactory.load()));
    TestProbe<Integer> probe = kit.createTestProbe();
    ActorRef<Add> sum = kit.spawn(Sum.create("sum"));
    for (int i = 0; i < 1000; i++) {
      sum.tell(new Add(1, probe.getRef()));
    }
    for (int i = 0; i < 100; i++) {
      System.out.println("acknowledged " + probe.receiveMessage(Duration.ofSeconds(30)));
    }
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  @Test
  void acknowledgedEventsSurviveAKilledProcess() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        FileJournalKillSpec.class.getName(), dir.toString())).redirectErrorStream(true).start();
    int acknowledged = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("acknowledged ")) {
          acknowledged = Math.max(acknowledged, Integer.parseInt(line.substring(13).trim()));
        }
      }
    }
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(acknowledged).isEqualTo(100);
    int recovered = JournalSpec.addOn(Journal.file(dir), "sum", 1) - 1;
    assertThat(recovered).as("events recovered, of 100 acknowledged").isBetween(100, 1000);
  }
}

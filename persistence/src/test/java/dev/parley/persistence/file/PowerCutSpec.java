package dev.parley.persistence.file;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.ActorIdentity;
import akka.actor.Identify;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.persistence.Journal;
import dev.parley.persistence.file.Recorder.Acked;
import dev.parley.persistence.file.Recorder.Append;
import dev.parley.persistence.file.Recorder.Command;
import dev.parley.persistence.file.Recorder.Read;
import dev.parley.persistence.file.Recorder.Values;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The file journal under power cuts, through Akka Persistence: persistent actors acknowledge
 * values only once persisted; the power is cut at a random moment (the file layer keeps only what
 * was forced, sometimes plus a torn part of the next frame); the node boots again; every
 * acknowledged value is there, in order, and writing goes on. And: concurrent persists share forces.
 */
class PowerCutSpec {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final Path NODE = Path.of("/power-cut/node");

  static Config config(String files) {
    return ConfigFactory.parseString("parley-file-journal.files = \"" + files + "\"\n"
            + "parley-file-journal.segment-size = 2 KiB\n"
            + "parley-file-snapshot-store.files = \"" + files + "\"\n")
        .withFallback(Journal.file(NODE))
        .withFallback(ConfigFactory.load());
  }

  @Test
  void everyAcknowledgedValueSurvivesPowerCuts() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    int ids = 6;
    int perRound = 30;
    PowerCutFileLayer files = new PowerCutFileLayer();
    Map<String, Set<Integer>> acknowledged = new HashMap<>();
    for (int round = 0; round <= 6; round++) {
      String name = "power-cut-" + UUID.randomUUID();
      FileLayers.register(name, files);
      ActorTestKit kit = ActorTestKit.create(config(name));
      Set<Acked> acks = ConcurrentHashMap.newKeySet();
      PowerCutFileLayer after = null;
      try {
        TestProbe<Values> reads = kit.createTestProbe();
        List<ActorRef<Command>> recorders = new ArrayList<>();
        List<Integer> next = new ArrayList<>();
        for (int i = 0; i < ids; i++) {
          String id = "recorder-" + i;
          ActorRef<Command> recorder = kit.spawn(Recorder.create(id, new AtomicInteger()));
          recorder.tell(new Read(reads.getRef()));
          List<Integer> values = reads.receiveMessage(WAIT).values();
          assertThat(values).as("seed %d round %d %s: every acknowledged value, in order", seed, round, id)
              .containsAll(acknowledged.getOrDefault(id, Set.of()))
              .isEqualTo(IntStream.range(0, values.size()).boxed().toList());
          recorders.add(recorder);
          next.add(values.size());
        }
        if (round == 6) {
          break; // the last boot only checks
        }
        ActorRef<Acked> client = kit.spawn(Behaviors.receiveMessage(a -> {
          acks.add(a);
          return Behaviors.same();
        }));
        for (int k = 0; k < perRound; k++) {
          for (int i = 0; i < ids; i++) {
            recorders.get(i).tell(new Append(next.get(i) + k, client));
          }
        }
        int cutAfter = random.nextInt(ids * perRound);
        reads.awaitAssert(WAIT, () -> assertThat(acks.size()).isGreaterThanOrEqualTo(cutAfter));
        after = files.powerCut(random, random.nextBoolean());
      } finally {
        kit.shutdownTestKit();
        FileLayers.unregister(name);
      }
      if (after == null) {
        break;
      }
      for (Acked a : acks) { // acknowledged before the cut (a force after it fails)
        acknowledged.computeIfAbsent(a.id(), k -> new HashSet<>()).add(a.value());
      }
      files = after;
    }
    assertThat(acknowledged.values().stream().mapToInt(Set::size).sum()).isPositive();
  }

  @Test
  void concurrentPersistsShareForces() {
    String name = "group-commit-" + UUID.randomUUID();
    PowerCutFileLayer files = new PowerCutFileLayer();
    FileLayers.register(name, files);
    ActorTestKit kit = ActorTestKit.create(config(name));
    try {
      int n = 64;
      AtomicInteger handedOver = new AtomicInteger();
      TestProbe<Acked> acks = kit.createTestProbe();
      TestProbe<Values> reads = kit.createTestProbe();
      List<ActorRef<Command>> recorders = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ActorRef<Command> r = kit.spawn(Recorder.create("writer-" + i, handedOver));
        r.tell(new Read(reads.getRef()));
        reads.receiveMessage(WAIT); // recovered: the journal is open
        recorders.add(r);
      }
      long before = files.forces();
      files.holdForces();
      recorders.forEach(r -> r.tell(new Append(0, acks.getRef())));
      acks.awaitAssert(WAIT, () -> assertThat(handedOver.get()).isEqualTo(n));
      TestProbe<Object> identities = kit.createTestProbe();
      for (int twice = 0; twice < 2; twice++) { // the journal actor has taken every write before this
        Adapter.toClassic(kit.system()).actorSelection("/system/" + Journal.FILE_JOURNAL)
            .tell(new Identify(twice), Adapter.toClassic(identities.getRef()));
        assertThat(identities.expectMessageClass(ActorIdentity.class, WAIT).getActorRef()).isPresent();
      }
      acks.expectNoMessage(Duration.ofMillis(100)); // held: nothing is acknowledged before a force
      files.releaseForces();
      assertThat(acks.receiveSeveralMessages(n, WAIT)).hasSize(n);
      assertThat(files.forces() - before).as("forces for %d concurrent persists", n).isLessThanOrEqualTo(4);
    } finally {
      files.releaseForces();
      kit.shutdownTestKit();
      FileLayers.unregister(name);
    }
  }
}

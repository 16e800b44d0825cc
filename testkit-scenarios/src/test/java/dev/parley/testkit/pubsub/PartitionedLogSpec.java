package dev.parley.testkit.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.pubsub.PartitionedLog;
import dev.parley.protocols.pubsub.PartitionedLog.Topic;
import dev.parley.protocols.pubsub.LogRecord;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftStatus;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The partitioned log (brokers over a Raft group) in the deterministic simulation, over seeds, with
 * a nemesis of partitions, lossy links and crashes with restarts from the journal: per-partition
 * order, no acknowledged record lost, a key always in the same partition, consumer groups resuming
 * from their committed positions after a consumer restart and broker crashes, and retention
 * deleting exactly what is due by age and by size. A broker that acknowledges appends before they
 * commit is caught losing records.
 */
class PartitionedLogSpec {

  static final FaultPlan LAN = FaultPlan.NONE.withDelay(Delay.uniform(ms(1), ms(5)));

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  static Simulation<Raft.Command> simulation(long seed, PartitionedLog.Settings settings) {
    return Simulation.<Raft.Command>builder(3,
            (peers, env, upcalls) -> PartitionedLog.replica("log", peers, env, settings, upcalls))
        .seed(seed)
        .faults(LAN)
        .build();
  }

  /** Partitions, lossy links, crashes and restarts from 300 ms to {@code heal}; then all healed and up. */
  static void nemesis(Simulation<Raft.Command> sim, long seed, Duration heal) {
    Random random = new Random(seed * 7919);
    List<NodeId> nodes = sim.nodes();
    Set<NodeId> down = new HashSet<>();
    Duration at = ms(300);
    while (at.compareTo(heal) < 0) {
      NodeId victim = nodes.get(random.nextInt(nodes.size()));
      switch (random.nextInt(5)) {
        case 0 -> {
          List<NodeId> shuffled = new ArrayList<>(nodes);
          java.util.Collections.shuffle(shuffled, random);
          int cut = 1 + random.nextInt(nodes.size() - 1);
          sim.nemesis(at, new NemesisCommand.Partition(List.of(
              Set.copyOf(shuffled.subList(0, cut)), Set.copyOf(shuffled.subList(cut, shuffled.size())))));
        }
        case 1 -> sim.nemesis(at, new NemesisCommand.Lossy(0.1 + 0.3 * random.nextDouble()));
        case 2, 3 -> {
          if (down.add(victim)) {
            sim.crash(at, victim);
          } else {
            down.remove(victim);
            sim.restart(at, victim);
          }
        }
        default -> sim.nemesis(at, new NemesisCommand.Heal());
      }
      at = at.plusMillis(200 + random.nextInt(500));
    }
    sim.nemesis(heal, new NemesisCommand.Heal());
    sim.nemesis(heal, new NemesisCommand.Faults(LAN));
    for (NodeId n : down) {
      sim.restart(heal, n);
    }
  }

  /** The node that leads at {@code at} (running the simulation to then), from the replicas' status. */
  static NodeId leaderAt(LogRun run, Duration at) {
    run.runUntil(at, () -> { });
    for (NodeId n : run.sim.nodes()) {
      TestInbox<RaftStatus> inbox = TestInbox.create();
      if (run.sim.isUp(n)) {
        run.sim.tell(n, new Raft.GetStatus(inbox.getRef()));
        run.runUntil(run.sim.elapsed().plusMillis(1), () -> { });
        if (inbox.hasMessages() && inbox.receiveMessage().role() == Role.LEADER) {
          return n;
        }
      }
    }
    return null;
  }

  /** The crash of the leader at {@code at} and its restart 800 ms later. */
  static void crashTheLeaderAt(LogRun run, Duration at) {
    NodeId leader = leaderAt(run, at);
    if (leader != null) {
      run.sim.crash(run.sim.elapsed(), leader);
      run.sim.restart(run.sim.elapsed().plusMillis(800), leader);
    }
  }

  /**
   * What every run must satisfy: each partition read whole holds consecutive offsets from its start,
   * every acknowledged record at or after the start at its offset with its value (none lost, none
   * moved), every record in the partition its key hashes to, and every read during the run agreeing
   * with the final contents.
   */
  static List<String> check(LogRun run, String topic, boolean retention) {
    List<String> problems = new ArrayList<>(run.violations);
    Map<Integer, PartitionedLog.Records> all = run.readAll(topic);
    int partitions = run.settings.topic(topic).partitions();
    if (all.size() != partitions) {
      problems.add("could read only partitions " + all.keySet() + " of " + topic + " after healing");
      return problems;
    }
    all.forEach((p, r) -> {
      long expect = r.start();
      long lastStamp = Long.MIN_VALUE;
      for (LogRecord record : r.records()) {
        if (record.offset() != expect++) {
          problems.add(topic + "/" + p + " has offset " + record.offset() + " where " + (expect - 1) + " was due");
        }
        if (record.timestamp() < lastStamp) {
          problems.add(topic + "/" + p + "@" + record.offset() + " stamped before the record before it");
        }
        lastStamp = record.timestamp();
        if (PartitionedLog.partitionOf(record.key(), partitions) != p) {
          problems.add("key " + record.key() + " in partition " + p + " of " + topic);
        }
      }
      if (expect != r.end()) {
        problems.add(topic + "/" + p + " ends at " + r.end() + " but its records stop at " + expect);
      }
      if (!retention && r.start() != 0) {
        problems.add(topic + "/" + p + " starts at " + r.start() + " with no retention");
      }
    });
    for (LogRun.Ack ack : run.acks) {
      if (!ack.topic().equals(topic)) {
        continue;
      }
      PartitionedLog.Records r = all.get(ack.partition());
      if (PartitionedLog.partitionOf(ack.key(), partitions) != ack.partition()) {
        problems.add("acknowledged " + ack + " in a partition its key does not hash to");
      }
      if (ack.offset() >= r.start()) {
        LogRecord held = ack.offset() < r.end() ? r.records().get((int) (ack.offset() - r.start())) : null;
        if (held == null || !held.value().equals(ack.value())) {
          problems.add("acknowledged " + ack + " lost: the partition holds " + held);
        }
      }
    }
    run.seen.forEach((log, records) -> {
      if (!log.startsWith(topic + "/")) {
        return;
      }
      PartitionedLog.Records r = all.get(Integer.parseInt(log.substring(log.lastIndexOf('/') + 1)));
      records.forEach((offset, record) -> {
        if (offset >= r.start() && !r.records().get((int) (offset - r.start())).equals(record)) {
          problems.add(log + "@" + offset + " was read as " + record + ", is now "
              + r.records().get((int) (offset - r.start())));
        }
      });
    });
    return problems;
  }

  static final PartitionedLog.Settings SETTINGS = PartitionedLog.Settings.DEFAULT
      .withTopic("orders", Topic.of(4))
      .withRetentionInterval(ms(250));

  @Test
  void underPartitionsCrashesAndLossyLinksNoAcknowledgedRecordIsLostAndPartitionsKeepTheirOrder() {
    Simulations.forSeeds(1, 20, seed -> {
      Simulation<Raft.Command> sim = simulation(seed, SETTINGS);
      nemesis(sim, seed, Duration.ofSeconds(4));
      LogRun run = new LogRun(sim, SETTINGS);
      List<LogRun.Producer> producers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        producers.add(run.new Producer("p" + i, "orders", 40, ms(40)));
      }
      LogRun.Consumer consumer = run.new Consumer("billing", "orders", 5);
      run.runUntil(Duration.ofSeconds(8), () -> {
        producers.forEach(LogRun.Producer::tick);
        consumer.tick();
      });
      assertThat(producers).allMatch(LogRun.Producer::done);
      assertThat(run.acks).as("acknowledged appends").hasSizeGreaterThan(60);
      assertThat(check(run, "orders", false)).isEmpty();
    });
  }

  @Test
  void aConsumerGroupResumesFromItsCommittedPositionsAfterItsRestartAndALeaderCrash() {
    Simulations.forSeeds(1, 12, seed -> {
      Simulation<Raft.Command> sim = simulation(seed, SETTINGS);
      LogRun run = new LogRun(sim, SETTINGS);
      List<LogRun.Producer> producers = List.of(run.new Producer("p0", "orders", 60, ms(20)),
          run.new Producer("p1", "orders", 60, ms(20)));
      LogRun.Consumer consumer = run.new Consumer("audit", "orders", 4);
      Runnable work = () -> {
        producers.forEach(LogRun.Producer::tick);
        consumer.tick();
      };
      run.runUntil(ms(1200), work);
      crashTheLeaderAt(run, ms(1200));
      run.runUntil(ms(1800), work);
      consumer.restart();
      run.runUntil(ms(2600), work);
      crashTheLeaderAt(run, ms(2600));
      consumer.restart();
      run.runUntil(Duration.ofSeconds(7), work);

      assertThat(consumer.restarts).isEqualTo(2);
      assertThat(run.lastCommitAcked).as("positions committed").isNotEmpty();
      Map<Integer, PartitionedLog.Records> all = run.readAll("orders");
      run.lastCommitAcked.forEach((k, committed) -> {
        int p = Integer.parseInt(k.substring(k.lastIndexOf('/') + 1));
        assertThat(consumer.positions.get(p)).as("audit's position in %s", k).isGreaterThanOrEqualTo(committed);
      });
      all.forEach((p, r) -> assertThat(consumer.positions.getOrDefault(p, 0L))
          .as("audit consumed partition %d to its end", p).isEqualTo(r.end()));
      assertThat(check(run, "orders", false)).isEmpty();
    });
  }

  @Test
  void retentionDeletesExactlyTheRecordsPastTheirAgeOrBeyondTheSizeLimits() {
    PartitionedLog.Settings settings = SETTINGS
        .withTopic("aged", Topic.of(2).withMaxAge(Duration.ofSeconds(3)))
        .withTopic("counted", Topic.of(2).withMaxRecords(12))
        .withTopic("weighed", Topic.of(2).withMaxBytes(150));
    AtomicInteger agedChecked = new AtomicInteger();
    Simulations.forSeeds(1, 12, seed -> {
      Simulation<Raft.Command> sim = simulation(seed, settings);
      nemesis(sim, seed, Duration.ofSeconds(3));
      LogRun run = new LogRun(sim, settings);
      List<LogRun.Producer> producers = List.of(run.new Producer("a", "aged", 60, ms(80)),
          run.new Producer("c", "counted", 40, ms(100)), run.new Producer("w", "weighed", 40, ms(100)));
      List<LogRun.Consumer> readers = List.of(run.new Consumer("r1", "aged", 100),
          run.new Consumer("r2", "counted", 100), run.new Consumer("r3", "weighed", 100));
      Runnable work = () -> {
        producers.forEach(LogRun.Producer::tick);
        readers.forEach(LogRun.Consumer::tick);
      };
      while (!producers.stream().allMatch(LogRun.Producer::done) && sim.elapsed().getSeconds() < 30) {
        run.runUntil(sim.elapsed().plusMillis(10), work);
      }
      assertThat(producers).allMatch(LogRun.Producer::done);
      // Fresh records in every aged partition, however long the other topics' producers took after "a":
      LogRun.Producer last = run.new Producer("z", "aged", 20, ms(40));
      while (!last.done() && sim.elapsed().getSeconds() < 40) {
        run.runUntil(sim.elapsed().plusMillis(10), () -> {
          last.tick();
          readers.forEach(LogRun.Consumer::tick);
        });
      }
      assertThat(last.done()).isTrue();
      run.runUntil(sim.elapsed().plusMillis(1500), work); // retention passes, and nothing new is due by age
      for (String topic : List.of("aged", "counted", "weighed")) {
        assertThat(check(run, topic, true)).as(topic).isEmpty();
      }
      // Sizes: every value is 7 bytes ("w-00001"), so 150 bytes hold 21 records.
      run.readAll("counted").forEach((p, r) -> assertThat(r.start()).as("counted/%d keeps the last 12", p)
          .isEqualTo(Math.max(0, r.end() - 12)));
      run.readAll("weighed").forEach((p, r) -> {
        long bytes = r.records().stream().mapToLong(LogRecord::bytes).sum();
        assertThat(bytes).as("weighed/%d's bytes", p).isLessThanOrEqualTo(150);
        assertThat(r.start()).as("weighed/%d keeps the last 21", p).isEqualTo(Math.max(0, r.end() - 21));
      });
      // Age: everything stamped before the last trim's cutoff gone, everything else kept.
      Map<Integer, PartitionedLog.Records> aged = run.readAll("aged");
      aged.forEach((p, r) -> {
        assertThat(r.trimmedBefore()).as("aged/%d was trimmed", p).isGreaterThan(Long.MIN_VALUE);
        assertThat(r.records()).as("aged/%d keeps only records from %d on", p, r.trimmedBefore())
            .allMatch(x -> x.timestamp() >= r.trimmedBefore());
        LogRecord lastDeleted = run.seen.getOrDefault("aged/" + p, Map.of()).get(r.start() - 1);
        if (lastDeleted != null) {
          agedChecked.incrementAndGet();
          assertThat(lastDeleted.timestamp()).as("aged/%d@%d was due", p, r.start() - 1)
              .isLessThan(r.trimmedBefore());
        }
        assertThat(r.start()).as("aged/%d deleted something and kept something", p).isPositive()
            .isLessThan(r.end());
      });
    });
    assertThat(agedChecked.get()).as("deleted records whose age was checked").isPositive();
  }

  /**
   * The negative control's run: two producers on the leader's broker; with {@code faults}, the
   * leader is cut off from the others for two seconds while they go on, then healed.
   */
  static List<String> ackingBeforeCommit(long seed, boolean faults) {
    Simulation<Raft.Command> sim = simulation(seed, SETTINGS);
    LogRun run = new LogRun(sim, SETTINGS);
    run.ackBeforeCommit = true;
    NodeId leader = leaderAt(run, ms(1000));
    List<LogRun.Producer> producers = List.of(run.new Producer("p0", "orders", 60, ms(40)),
        run.new Producer("p1", "orders", 60, ms(40)));
    producers.forEach(p -> p.home = leader);
    Runnable work = () -> producers.forEach(LogRun.Producer::tick);
    run.runUntil(ms(1500), work);
    if (faults) {
      Set<NodeId> rest = new HashSet<>(sim.nodes());
      rest.remove(leader);
      sim.nemesis(sim.elapsed(), new NemesisCommand.Partition(List.of(Set.of(leader), rest)));
      sim.nemesis(sim.elapsed().plusSeconds(2), new NemesisCommand.Heal());
    }
    run.runUntil(Duration.ofSeconds(8), work);
    return check(run, "orders", false);
  }

  @Test
  void aBrokerAcknowledgingAppendsBeforeTheyCommitIsCaughtLosingRecordsWhenTheLeaderIsCutOff() {
    List<Long> caught = new ArrayList<>();
    Simulations.SeedReport seeds = Simulations.forSeeds(1, 4, seed -> {
      assertThat(ackingBeforeCommit(seed, false)).as("without faults its offsets are right").isEmpty();
      if (ackingBeforeCommit(seed, true).stream().anyMatch(s -> s.startsWith("acknowledged"))) {
        caught.add(seed);
      }
    });
    // 88 of seeds 1..100 catch it (the long mode, docs/testing-quality.md): most seeds, not every one
    assertThat(caught).as("seeds whose leader, once cut off, loses acknowledged records")
        .hasSizeGreaterThanOrEqualTo(Math.max(1, seeds.count() * 3 / 4));
  }
}

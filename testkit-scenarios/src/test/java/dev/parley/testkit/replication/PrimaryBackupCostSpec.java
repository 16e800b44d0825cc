package dev.parley.testkit.replication;

import static dev.parley.testkit.replication.KvRuns.LAN;
import static dev.parley.testkit.replication.KvRuns.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.PrimaryBackup;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Role;
import dev.parley.protocols.replication.PrimaryBackup.Settings;
import dev.parley.protocols.replication.PrimaryBackup.Status;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RequestId;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Primary-backup's costs, as its head comment states them, in the simulation over links that delay
 * each message 1 to 10 ms: a request costs 2(N-1) messages (a Replicate to each backup and its Ack)
 * and is answered one round trip after it arrives, not at the next heartbeat; a backup that missed
 * many entries gets them together on the next heartbeat, not one per heartbeat; once a failover has
 * settled, the heartbeat and its acknowledgements are all the group sends, and each node's status
 * says its role, whom it follows and (the primary) how far it has answered. The other specs check
 * outcomes, which a primary that waits for its heartbeat to replicate, or that sends its state again
 * and again, still reaches.
 */
class PrimaryBackupCostSpec {

  /** Links deliver in at most this; a round trip takes at most twice it. */
  static final Duration MAX_DELAY = ms(10);

  /** A heartbeat far longer than a round trip, so an answer that waits for it shows. */
  static final Settings SLOW_HEARTBEAT = new Settings(ms(1000), ms(3000), ms(6000));

  static SimProtocol<Command> protocol(Settings settings) {
    return (peers, env, upcalls) -> PrimaryBackup.create("kv", peers, env, settings, upcalls.narrow());
  }

  /** Messages sent since {@code before} (a copy of sentByType), by type, leaving out those with no change. */
  static Map<String, Long> sentSince(Map<String, Long> before, Simulation<Command> sim) {
    Map<String, Long> since = new HashMap<>();
    sim.stats().sentByType().forEach((type, count) -> {
      long d = count - before.getOrDefault(type, 0L);
      if (d > 0) {
        since.put(type, d);
      }
    });
    return since;
  }

  @ParameterizedTest(name = "{0} nodes")
  @ValueSource(ints = {1, 3, 5})
  void eachRequestCosts2NMinus1MessagesAndIsAnsweredOneRoundTripAfterItArrives(int n) {
    int requests = 20;
    Simulations.forSeeds(1, 5, seed -> {
      Simulation<Command> sim = Simulation.builder(n, protocol(SLOW_HEARTBEAT)).seed(seed).faults(LAN).build();
      NodeId primary = PrimaryBackupSpec.awaitPrimary(sim, ms(10_000));
      sim.runFor(ms(100)); // the new view's state reaches the backups
      Map<String, Long> before = new HashMap<>(sim.stats().sentByType());
      Duration start = sim.elapsed();
      for (int i = 1; i <= requests; i++) {
        RequestId id = new RequestId("c1", i);
        KvRequest request = i % 2 == 0 ? new Get(id, "k") : new Put(id, "k", "v" + i);
        Duration sent = sim.elapsed();
        sim.tell(primary, new PrimaryBackup.Request(request));
        Duration at = KvRuns.answered(sim, primary, id, SLOW_HEARTBEAT.heartbeat().multipliedBy(3));
        assertThat(at).as("seed %d: request %d answered", seed, i).isNotNull();
        assertThat(at.minus(sent)).as("seed %d: request %d answered after (one round trip at most)", seed, i)
            .isLessThanOrEqualTo(MAX_DELAY.multipliedBy(2));
      }
      long heartbeats = sim.elapsed().minus(start).toMillis() / SLOW_HEARTBEAT.heartbeat().toMillis() + 1;
      Map<String, Long> sent = sentSince(before, sim);
      assertThat(sent.keySet()).as("seed %d: message types sent", seed).isSubsetOf(Set.of("Replicate", "Ack"));
      long messages = sent.values().stream().mapToLong(Long::longValue).sum();
      assertThat(messages)
          .as("seed %d: messages for %d requests (and at most %d heartbeats)", seed, requests, heartbeats)
          .isBetween(2L * (n - 1) * requests, 2L * (n - 1) * (requests + heartbeats));
    });
  }

  /**
   * A backup cut off for less than a suspect timeout misses 30 writes, which wait for it (every
   * backup of the view must hold a write before it is answered); once the link heals, the primary's
   * next heartbeat carries all of them, and all are answered within a few heartbeats.
   */
  @Test
  void aBackupThatMissedManyEntriesGetsThemTogetherOnTheNextHeartbeat() {
    Settings settings = Settings.DEFAULT;
    int writes = 30;
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<Command> sim = Simulation.builder(3, protocol(settings)).seed(seed).faults(LAN).build();
      NodeId primary = PrimaryBackupSpec.awaitPrimary(sim);
      sim.runFor(ms(100));
      List<NodeId> backups = sim.nodes().stream().filter(b -> !b.equals(primary)).toList();
      NodeId lagging = backups.get((int) (seed % 2));
      NodeId other = backups.get((int) ((seed + 1) % 2));
      sim.nemesis(sim.elapsed(), NemesisCommand.Partition.parse(
          lagging.name() + "/" + primary.name() + "," + other.name()));
      List<RequestId> ids = IntStream.rangeClosed(1, writes).mapToObj(i -> new RequestId("c" + i, 1)).toList();
      ids.forEach(id -> sim.tell(sim.elapsed().plus(ms(1)), primary,
          new PrimaryBackup.Request(new Put(id, "k" + id.client(), "v"))));
      sim.runFor(ms(60)); // well under suspectMin: the lagging backup stays in the view
      assertThat(sim.upcalls(primary, KvReply.class)).as("seed %d: answered while a backup lacks them", seed)
          .isEmpty();

      sim.nemesis(sim.elapsed(), new NemesisCommand.Heal());
      Duration healed = sim.elapsed();
      Duration bound = settings.heartbeat().multipliedBy(3);
      for (RequestId id : ids) {
        Duration at = KvRuns.answered(sim, primary, id, ms(2000));
        assertThat(at).as("seed %d: write %s answered", seed, id).isNotNull();
        assertThat(at.minus(healed))
            .as("seed %d: write %s answered after the heal (a few heartbeats at most)", seed, id)
            .isLessThanOrEqualTo(bound);
      }
      assertThat(sim.upcalls(primary, KvReply.class)).as("seed %d", seed)
          .allSatisfy(r -> assertThat(r).isInstanceOf(KvReply.Ok.class));
    });
  }

  /**
   * The primary crashes and comes back; once a new primary has brought every node up to date, the
   * group sends its heartbeat (a Replicate to each other node, every heartbeat) and the Acks, and
   * nothing else: no state sent again, no view proposed, no fetch still going.
   */
  @Test
  void onceAFailoverHasSettledTheHeartbeatAndItsAcksAreAllTheGroupSends() {
    Settings settings = Settings.DEFAULT;
    Simulations.forSeeds(1, 10, seed -> {
      int n = seed % 2 == 0 ? 3 : 5;
      Simulation<Command> sim = Simulation.builder(n, protocol(settings)).seed(seed).faults(LAN).build();
      NodeId first = PrimaryBackupSpec.awaitPrimary(sim);
      for (int i = 1; i <= 5; i++) {
        sim.tell(first, new PrimaryBackup.Request(new Put(new RequestId("c1", i), "k", "v" + i)));
      }
      sim.runFor(ms(100));
      Duration crashAt = sim.elapsed();
      sim.crash(crashAt, first);
      sim.restart(crashAt.plus(settings.suspectMax()).plus(ms(200)), first);
      sim.runFor(settings.suspectMax().plus(ms(300)));
      NodeId second = PrimaryBackupSpec.awaitPrimary(sim);
      assertThat(second).as("seed %d: a new primary", seed).isNotEqualTo(first);
      sim.runFor(ms(500));
      Status primaryStatus = PrimaryBackupSpec.status(sim, second);
      assertThat(primaryStatus.backups()).as("seed %d: the view's backups", seed).hasSize(n - 1);
      assertThat(primaryStatus.committed()).as("seed %d: the primary's answered writes", seed)
          .isEqualTo(primaryStatus.seq()).isPositive();
      for (NodeId node : primaryStatus.backups()) {
        Status backup = PrimaryBackupSpec.status(sim, node);
        assertThat(backup.values()).as("seed %d: %s's store", seed, node).isEqualTo(primaryStatus.values());
        assertThat(backup.role()).as("seed %d: %s's role", seed, node).isEqualTo(Role.BACKUP);
        assertThat(backup.primary()).as("seed %d: the primary %s follows", seed, node).isEqualTo(second);
        assertThat(backup.backups()).as("seed %d: a backup's status names no backups", seed).isEmpty();
      }

      Map<String, Long> before = new HashMap<>(sim.stats().sentByType());
      Duration window = ms(1000);
      sim.runFor(window);
      Map<String, Long> sent = sentSince(before, sim);
      long heartbeats = window.toMillis() / settings.heartbeat().toMillis() + 1;
      assertThat(sent.keySet()).as("seed %d: message types sent once settled", seed)
          .isSubsetOf(Set.of("Replicate", "Ack"));
      assertThat(sent.getOrDefault("Replicate", 0L)).as("seed %d: Replicates in %s", seed, window)
          .isLessThanOrEqualTo(heartbeats * (n - 1));
      assertThat(sent.getOrDefault("Ack", 0L))
          .as("seed %d: Acks in %s (of its Replicates and those in flight at its start)", seed, window)
          .isLessThanOrEqualTo(sent.getOrDefault("Replicate", 0L) + n - 1);
    });
  }
}

package com.example.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.history.Operation;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.replication.Raft;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.Model;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.raft.RaftWorkload;
import dev.parley.testkit.raft.RaftWorkload.Invocation;
import dev.parley.testkit.raft.RaftWorkload.Outcome;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The inventory on Raft in the deterministic simulation, over 20 seeds of partitions, lossy links
 * and crashes with restarts from the journal (snapshots every 20 entries): clients restock, reserve
 * and count, retrying an unanswered command under its own request id; the history is linearizable by
 * the inventory's own sequential specification ({@link #MODEL}), so nothing is ever reserved beyond
 * its stock and every acknowledged write counts once; once the faults stop, every command is answered.
 * Raft's own safety properties ({@link RaftInvariants}) hold after every step.
 */
class InventorySimulationSpec {

  static final List<String> ITEMS = List.of("apple", "pear");
  static final FaultPlan LAN = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  /**
   * The inventory's sequential specification: the units of each item, in {@link #ITEMS} order. A
   * restock answers the units after it, a reservation whether it was granted, a count the units.
   */
  static final Model<List<Long>> MODEL = new Model<>() {
    @Override
    public List<Long> initialState() {
      return Collections.nCopies(ITEMS.size(), 0L);
    }

    @Override
    public Optional<List<Long>> step(List<Long> state, Operation op, boolean definite) {
      List<?> args = (List<?>) op.argument();
      int item = ITEMS.indexOf((String) args.get(0));
      long units = state.get(item);
      long after = switch (op.f()) {
        case "restock" -> units + (Long) args.get(1);
        case "reserve" -> units >= (Long) args.get(1) ? units - (Long) args.get(1) : units;
        default -> units;
      };
      Object result = switch (op.f()) {
        case "restock" -> after;
        case "reserve" -> units >= (Long) args.get(1);
        default -> units;
      };
      if (definite && !result.equals(op.result())) {
        return Optional.empty();
      }
      List<Long> next = new ArrayList<>(state);
      next.set(item, after);
      return Optional.of(List.copyOf(next));
    }

    @Override
    public boolean isRead(Operation op) {
      return op.f().equals("count");
    }
  };

  static Simulation<Raft.Command> simulation(int n, long seed) {
    return Simulation.<Raft.Command>builder(n, (peers, env, upcalls) ->
            Raft.create("inventory", peers, env, Raft.Settings.DEFAULT.withSnapshotInterval(20), Inventory.machine(),
                upcalls))
        .freshInvariant(RaftInvariants::new) // Raft's safety properties, checked after every step
        .seed(seed).faults(LAN).build();
  }

  /** Restocks (40%), reservations (40%) and counts of one item at a time. */
  static Invocation<Inventory.Command> next(dev.parley.protocols.replication.RequestId id, Random random) {
    String item = ITEMS.get(random.nextInt(ITEMS.size()));
    int choice = random.nextInt(10);
    if (choice < 4) {
      long units = 1 + random.nextInt(5);
      return Invocation.of(new Inventory.Restock(id, item, units), "restock", List.of(item, units));
    } else if (choice < 8) {
      long units = 1 + random.nextInt(6);
      return Invocation.of(new Inventory.Reserve(id, item, units), "reserve", List.of(item, units));
    }
    return Invocation.of(new Inventory.Count(id, item), "count", List.of(item));
  }

  static Outcome recorded(Object reply) {
    if (reply instanceof Inventory.Restocked r) {
      return Outcome.ok(r.units());
    } else if (reply instanceof Inventory.Reserved) {
      return Outcome.ok(true);
    } else if (reply instanceof Inventory.Refused) {
      return Outcome.ok(false);
    } else if (reply instanceof Inventory.Units u) {
      return Outcome.ok(u.units());
    }
    return Outcome.info("refused by the sessions: " + reply);
  }

  /** Partitions, lossy links and crashes drawn from the seed, from 300 ms to 4 s; then healed, all up. */
  static Duration nemesis(Simulation<Raft.Command> sim, long seed) {
    Random random = new Random(seed * 7_919);
    List<NodeId> nodes = sim.nodes();
    Set<NodeId> down = new HashSet<>();
    Duration heal = Duration.ofSeconds(4);
    for (Duration at = Duration.ofMillis(300); at.compareTo(heal) < 0; at = at.plusMillis(200 + random.nextInt(500))) {
      NodeId victim = nodes.get(random.nextInt(nodes.size()));
      switch (random.nextInt(4)) {
        case 0 -> {
          List<NodeId> shuffled = new ArrayList<>(nodes);
          Collections.shuffle(shuffled, random);
          int cut = 1 + random.nextInt(nodes.size() - 1);
          sim.nemesis(at, new NemesisCommand.Partition(List.of(Set.copyOf(shuffled.subList(0, cut)),
              Set.copyOf(shuffled.subList(cut, shuffled.size())))));
        }
        case 1 -> sim.nemesis(at, new NemesisCommand.Lossy(0.1 + 0.3 * random.nextDouble()));
        case 2 -> {
          if (down.add(victim)) {
            sim.crash(at, victim);
          } else if (down.remove(victim)) {
            sim.restart(at, victim);
          }
        }
        default -> sim.nemesis(at, new NemesisCommand.Heal());
      }
    }
    sim.nemesis(heal, new NemesisCommand.Heal());
    sim.nemesis(heal, new NemesisCommand.Faults(LAN));
    down.forEach(n -> sim.restart(heal, n));
    return heal;
  }

  @Test
  void underPartitionsCrashesAndLossyLinksTheInventoryIsLinearizable() {
    Simulations.forSeeds(1, 20, seed -> {
      Simulation<Raft.Command> sim = simulation(seed % 2 == 0 ? 3 : 5, seed);
      Duration heal = nemesis(sim, seed);
      History history = RaftWorkload.of(sim, InventorySimulationSpec::next).outcomes(InventorySimulationSpec::recorded)
          .clients(4).operations(60).think(Duration.ofMillis(150)).run(Duration.ofSeconds(60));

      LinearizabilityChecker.forModel(MODEL).check(history).requireValid();
      assertThat(history.operations().stream().filter(Operation::isOk).count()).as("operations done")
          .isGreaterThan(180);
      long settled = heal.plusSeconds(2).toNanos();
      assertThat(history.operations().stream().filter(o -> o.invocation().timeNanos() > settled).toList())
          .as("operations after healing").isNotEmpty()
          .allSatisfy(o -> assertThat(o.isIndeterminate()).as("%s answered", o).isFalse());
    });
  }

  @Test
  void theModelCatchesAReservationBeyondTheStock() {
    HistoryRecorder h = new HistoryRecorder();
    HistoryRecorder.Handle restock = h.invoke("c1", "restock", "machine", List.of("apple", 3L));
    h.ok(restock, 3L);
    HistoryRecorder.Handle first = h.invoke("c1", "reserve", "machine", List.of("apple", 2L));
    h.ok(first, true);
    HistoryRecorder.Handle second = h.invoke("c2", "reserve", "machine", List.of("apple", 2L));
    h.ok(second, true); // both granted: 4 units reserved out of 3
    Verdict verdict = LinearizabilityChecker.forModel(MODEL).check(h.history());
    assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.INVALID);
  }
}

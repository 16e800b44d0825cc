package com.example.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionStateMachine;
import dev.parley.protocols.replication.StateMachine;
import dev.parley.testkit.sim.Exploration;
import dev.parley.testkit.sim.SimView;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The inventory on three Raft nodes under a bounded exhaustive search: every order of the election's
 * messages, the replication and the three client commands (a restock of 3 apples, then two
 * reservations of 2), with every message possibly lost. At every state reached: at most one of the
 * two reservations is granted, and wherever a command is answered it is answered alike. The search
 * is deep enough to reach answered reservations, which a deliberately broken inventory (one that
 * never checks the stock) shows: the same search finds the schedule where both are granted.
 */
class InventoryExplorationSpec {

  /** Deep enough for both reservations to be answered (the broken inventory fails within it). */
  private static final int DEPTH = 5;

  private static final RequestId RESTOCK = new RequestId("c1", 1);
  private static final RequestId FIRST = new RequestId("c2", 1);
  private static final RequestId SECOND = new RequestId("c3", 1);

  private static Exploration<Raft.Command> search(StateMachine<Inventory.Stock, Inventory.Command, Inventory.Reply> stock) {
    SessionStateMachine<Inventory.Stock, Inventory.Command, Inventory.Reply> machine = SessionStateMachine.wrap(stock,
        (request, why, reason) -> new Inventory.Rejected(request.id(), why, reason));
    return Exploration.of(Simulation.<Raft.Command>builder(3, (peers, env, upcalls) ->
            Raft.create("inventory", peers, env, settings(peers.self()), machine, upcalls)))
        .setup(sim -> sim.tell(Duration.ofMillis(200), NodeId.n(1),
            new Raft.Submit(new Inventory.Restock(RESTOCK, "apple", 3))))
        .startingWhen("n1 leads and answered the restock", v -> !v.upcalls(NodeId.n(1), Raft.Answered.class).isEmpty(),
            sim -> {
              sim.tell(NodeId.n(1), new Raft.Submit(new Inventory.Reserve(FIRST, "apple", 2)));
              sim.tell(NodeId.n(1), new Raft.Submit(new Inventory.Reserve(SECOND, "apple", 2)));
            })
        .invariant("at most one of two reservations of 2 out of 3 units is granted",
            v -> granted(v) <= 1)
        .invariant("a command answered on several nodes is answered alike",
            InventoryExplorationSpec::answeredAlike)
        .maxDepth(DEPTH);
  }

  /**
   * n1 times out first in virtual-time order, so it leads when the search starts; from there any
   * node's timer may fire at any step, so the search still covers n2 or n3 taking over.
   */
  private static Raft.Settings settings(NodeId self) {
    Duration timeout = self.equals(NodeId.n(1)) ? Duration.ofMillis(100) : Duration.ofMillis(1_000);
    return Raft.Settings.DEFAULT.withElection(
        new RaftElection.Settings(Duration.ofMillis(50), timeout, timeout.plusMillis(50)));
  }

  /** The reservations granted anywhere, counted once per request. */
  private static long granted(SimView v) {
    return answers(v).values().stream().filter(Inventory.Reserved.class::isInstance).count();
  }

  private static boolean answeredAlike(SimView v) {
    Map<Object, Object> seen = new HashMap<>();
    for (NodeId n : v.nodes()) {
      for (Raft.Answered a : v.upcalls(n, Raft.Answered.class)) {
        Object before = seen.putIfAbsent(a.command(), a.reply());
        if (before != null && !before.equals(a.reply())) {
          return false;
        }
      }
    }
    return true;
  }

  private static Map<Object, Object> answers(SimView v) {
    Map<Object, Object> answers = new HashMap<>();
    for (NodeId n : v.nodes()) {
      v.upcalls(n, Raft.Answered.class).forEach(a -> answers.put(a.command(), a.reply()));
    }
    return answers;
  }

  @Test
  void noScheduleGrantsBothReservations() {
    Exploration.Result result = search(Inventory.STOCK).run();
    System.out.println(result);
    result.assertNoViolation();
    assertThat(result.complete()).as("every schedule within the bound explored").isTrue();
    assertThat(result.deepest()).as("the search reached its depth bound").isEqualTo(DEPTH);
  }

  @Test
  void theSameSearchFindsAnInventoryThatNeverChecksItsStock() {
    StateMachine<Inventory.Stock, Inventory.Command, Inventory.Reply> unchecked = StateMachine.of(Inventory.Stock.EMPTY,
        (stock, command) -> {
          if (command instanceof Inventory.Reserve r) {
            return new StateMachine.Applied<>(stock, new Inventory.Reserved(r.id(), r.item(), 0));
          }
          return Inventory.STOCK.apply(stock, command);
        });
    Exploration.Result result = search(unchecked).run();
    System.out.println(result);
    assertThat(result.violation()).as("a schedule where both reservations are granted").isPresent();
    assertThat(result.violation().orElseThrow().failure()).contains("at most one of two reservations");
  }
}

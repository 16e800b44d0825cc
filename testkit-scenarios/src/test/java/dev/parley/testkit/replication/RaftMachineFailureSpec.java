package dev.parley.testkit.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import akka.actor.testkit.typed.javadsl.TestInbox;
import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.election.Role;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftStatus;
import dev.parley.protocols.replication.StateMachine;
import dev.parley.testkit.raft.RaftInvariants;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A state machine that throws while applying a committed command, on Raft in the simulation over
 * seeds with the leader crashed and restarted from its journal and snapshots every few entries: the
 * command's client is answered {@link Raft.Failed} naming the exception and saying what to do, the
 * same words whichever replica answers; the machine's state is as before the command on every
 * replica; the replicas go on, and every acknowledged command is in every replica's state.
 */
class RaftMachineFailureSpec {

  static final FaultPlan LAN = FaultPlan.NONE.withDelay(Delay.uniform(Duration.ofMillis(1), Duration.ofMillis(5)));

  /** Record {@code amount} under {@code id} (once: a retry changes nothing); a negative amount throws. */
  record Add(String id, long amount) implements WireMessage {}

  /** The amounts recorded, by id. */
  record Tally(SortedMap<String, Long> amounts) implements WireMessage {
    Tally {
      amounts = new TreeMap<>(amounts);
    }
  }

  /** Downcall of this spec's frontend: reply with the machine's state at this replica. */
  record Peek(ActorRef<Tally> replyTo) implements Raft.Downcall {}

  /** Answers the total after each add; throws on a negative amount, as a careless machine would. */
  static final StateMachine<Tally, Add, Long> TALLY = StateMachine.of(new Tally(new TreeMap<>()), (tally, add) -> {
    if (add.amount() < 0) {
      throw new IllegalArgumentException("a tally takes no negative amount, got " + add.amount());
    }
    SortedMap<String, Long> next = new TreeMap<>(tally.amounts());
    next.putIfAbsent(add.id(), add.amount());
    return new StateMachine.Applied<>(new Tally(next), next.values().stream().mapToLong(Long::longValue).sum());
  });

  static Simulation<Raft.Command> simulation(long seed) {
    return Simulation.<Raft.Command>builder(3, (peers, env, upcalls) -> {
      Raft.Frontend<Tally, Add, Long> answers = new Raft.Frontend<>() {
        @Override
        public void applied(Add command, Long reply) {
          upcalls.tell(new Raft.Answered(command, reply));
        }

        @Override
        public void notApplied(Add command, NodeId leader) {
          upcalls.tell(new Raft.NotLeader(command, leader));
        }

        @Override
        public void failed(Add command, String error) {
          upcalls.tell(new Raft.Failed(command, error));
        }
      };
      return Raft.create("raft", "tally", peers, env, Raft.Settings.DEFAULT.withSnapshotInterval(5), TALLY,
          answers.withDowncalls((peek, replica) -> ((Peek) peek).replyTo().tell(replica.state())));
    }).seed(seed).faults(LAN).freshInvariant(RaftInvariants::new).build();
  }

  /** {@code node}'s answer to {@code query} within 100 ms of virtual time (null: none, it is down or busy). */
  static <T> T ask(Simulation<Raft.Command> sim, NodeId node, Function<ActorRef<T>, Raft.Command> query) {
    TestInbox<T> inbox = TestInbox.create();
    sim.tell(sim.elapsed(), node, query.apply(inbox.getRef()));
    for (int ms = 0; ms < 100 && !inbox.hasMessages(); ms++) {
      sim.runFor(Duration.ofMillis(1));
    }
    return inbox.hasMessages() ? inbox.receiveMessage() : null;
  }

  static NodeId leader(Simulation<Raft.Command> sim) {
    for (NodeId n : sim.nodes()) {
      RaftStatus status = ask(sim, n, Raft.GetStatus::new);
      if (status != null && status.role() == Role.LEADER) {
        return n;
      }
    }
    return null;
  }

  /**
   * Gives {@code add} to the leader until a node answers it applied or failed (a NotLeader, or a
   * second of silence, sends it again, to the leader then known); that answer.
   */
  static Raft.Upcall submit(Simulation<Raft.Command> sim, Add add) {
    for (int attempt = 0; attempt < 30; attempt++) {
      NodeId at = leader(sim);
      if (at == null) {
        sim.runFor(Duration.ofMillis(200));
        continue;
      }
      int seen = sim.upcalls(at).size();
      sim.tell(sim.elapsed(), at, new Raft.Submit(add));
      Duration deadline = sim.elapsed().plusSeconds(1);
      while (sim.elapsed().compareTo(deadline) < 0) {
        if (!sim.step()) {
          sim.runFor(Duration.ofMillis(1));
        }
        List<Object> upcalls = sim.upcalls(at);
        for (int i = seen; i < upcalls.size(); i++) {
          Object u = upcalls.get(i);
          if ((u instanceof Raft.Answered a && a.command().equals(add))
              || (u instanceof Raft.Failed f && f.command().equals(add))) {
            return (Raft.Upcall) u;
          }
        }
      }
    }
    return fail("no answer to " + add + " in 30 tries");
  }

  @Test
  void aCommandTheMachineThrowsOnFailsWithTheExceptionOnEveryReplicaAndNothingElseIsLost() {
    Simulations.forSeeds(1, 10, seed -> {
      Simulation<Raft.Command> sim = simulation(seed);
      sim.runFor(Duration.ofSeconds(1));
      Map<String, Long> acknowledged = new TreeMap<>();
      Map<String, String> errors = new HashMap<>();
      List<Add> failing = new ArrayList<>();
      long total = 0;
      for (int i = 1; i <= 24; i++) {
        Add add = new Add("a" + i, i % 4 == 0 ? -i : i);
        if (i == 12) {
          NodeId old = leader(sim);
          sim.crash(sim.elapsed(), old);
          sim.restart(sim.elapsed().plusSeconds(2), old);
        }
        Raft.Upcall answer = submit(sim, add);
        if (add.amount() < 0) {
          failing.add(add);
          assertThat(answer).as("the answer to %s", add).isInstanceOf(Raft.Failed.class);
          String error = ((Raft.Failed) answer).error();
          assertThat(error).contains("IllegalArgumentException", "a tally takes no negative amount, got " + add.amount(),
              "no effect", "instead of throwing");
          errors.put(add.id(), error);
        } else {
          assertThat(answer).as("the answer to %s", add).isInstanceOf(Raft.Answered.class);
          acknowledged.put(add.id(), add.amount());
          total += add.amount();
          assertThat(((Raft.Answered) answer).reply()).as("the total after %s: the failed adds changed nothing", add)
              .isEqualTo(total);
        }
      }
      Add again = failing.get(0);
      Raft.Upcall retried = submit(sim, again);
      assertThat(retried).as("the same failing command given again, to today's leader")
          .isEqualTo(new Raft.Failed(again, errors.get(again.id())));

      sim.runFor(Duration.ofSeconds(3));
      for (NodeId n : sim.nodes()) {
        Tally tally = ask(sim, n, Peek::new);
        assertThat(tally).as("%s answers", n).isNotNull();
        assertThat(tally.amounts()).as("%s's state: every acknowledged add, no failed one", n)
            .isEqualTo(acknowledged);
      }
    });
  }
}

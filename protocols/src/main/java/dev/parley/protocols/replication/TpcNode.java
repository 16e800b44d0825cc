package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.ActorContext;
import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.replication.TwoPhaseCommit.Command;
import dev.parley.protocols.replication.TwoPhaseCommit.Event;
import dev.parley.protocols.replication.TwoPhaseCommit.Settings;
import dev.parley.protocols.replication.TwoPhaseCommit.Upcall;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a {@link TwoPhaseCommit} node's coordinator and participant share: its peers, clock,
 * settings, journal ({@link WriteAhead}) and the places its answers go. A message to itself (a
 * node is the participant for its own partition) goes through its own mailbox, like any other.
 */
final class TpcNode {

  /** Events to write at once and what to do once they are written (persist-then-act). */
  static final class Step {
    final List<Event> events = new ArrayList<>();
    final List<Runnable> then = new ArrayList<>();
  }

  final Peers<Command> peers;
  final NodeEnv env;
  final Settings settings;
  final WriteAhead<Command, Event, TpcState> writes;
  private final ActorContext<Command> context;
  private final ActorRef<KvReply> upcalls;
  private final ActorRef<Upcall> transactions;

  TpcNode(Peers<Command> peers, NodeEnv env, Settings settings, WriteAhead<Command, Event, TpcState> writes,
      ActorContext<Command> context, ActorRef<KvReply> upcalls, ActorRef<Upcall> transactions) {
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.writes = writes;
    this.context = context;
    this.upcalls = upcalls;
    this.transactions = transactions;
  }

  Effect<Event, TpcState> none() {
    return writes.none();
  }

  /** Writes the step's events, then runs its actions (at once if there is nothing to write). */
  Effect<Event, TpcState> run(Step step, TpcState state) {
    return writes.then(step.events, state, s -> step.then.forEach(Runnable::run));
  }

  void send(NodeId node, Command message) {
    if (node.equals(self())) {
      context.getSelf().tell(message);
    } else {
      peers.tell(node, message);
    }
  }

  /** Answers a client: a key-value reply, or a transaction's outcome. */
  void answer(Object reply) {
    if (reply instanceof KvReply kv) {
      upcalls.tell(kv);
    } else {
      report((Upcall) reply);
    }
  }

  void report(Upcall upcall) {
    if (transactions != null) {
      transactions.tell(upcall);
    }
  }

  Instant now() {
    return env.clock().instant();
  }

  NodeId self() {
    return peers.self();
  }

  static <S> void list(Map<S, List<String>> byState, S state, String txId) {
    byState.computeIfAbsent(state, s -> new ArrayList<>()).add(txId);
  }
}

package dev.parley.protocols.naming;

import static dev.parley.protocols.naming.Chord.betweenRightIncluded;
import static dev.parley.protocols.naming.Chord.identifier;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.naming.Chord.Answer;
import dev.parley.protocols.naming.Chord.Command;
import dev.parley.protocols.naming.Chord.FindSuccessor;
import dev.parley.protocols.naming.Chord.Found;
import dev.parley.protocols.naming.Chord.HopAck;
import dev.parley.protocols.naming.Chord.HopTimeout;
import dev.parley.protocols.naming.Chord.Lookup;
import dev.parley.protocols.naming.Chord.LookupFailed;
import dev.parley.protocols.naming.Chord.Member;
import dev.parley.protocols.naming.Chord.QueryTimeout;
import dev.parley.protocols.naming.Chord.Settings;
import dev.parley.protocols.naming.Chord.Upcall;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Chord} node's lookups (Chord's head comment has the model, guarantees and cost): the
 * queries it asked (a client's lookup, a finger to fix, its successor when joining), each retried
 * until answered or given up; and the recursive routing of every query that reaches it: answered if
 * the key is in (n, successor], else forwarded to the closest preceding node, each hop acknowledged
 * and a silent next hop taken for failed.
 */
final class ChordLookups {

  /** What a node waits for an answer to. */
  private sealed interface Purpose permits ClientLookup, FixFinger, JoinRing {}

  private record ClientLookup(long requestId, String key) implements Purpose {}

  private record FixFinger(int index) implements Purpose {}

  private record JoinRing(NodeId via) implements Purpose {}

  private static final class Query {
    final Purpose purpose;
    final long target;
    int attempts = 1;

    Query(Purpose purpose, long target) {
      this.purpose = purpose;
      this.target = target;
    }
  }

  /** A query forwarded to {@code next}, as it was before the hop. */
  private record Forwarded(FindSuccessor before, NodeId next) {}

  /** What the lookups ask of the node they serve. */
  interface Node {
    boolean joined();

    /** The answer to joining: {@code successor} is this node's first successor. */
    void enter(Member successor);

    /** The contact after the current one, which did not answer (see {@link ChordStabilisation.Node#contact()}). */
    NodeId nextContact();

    /** {@code known} answered a join or were named by its answer: live members to join through again. */
    void learnContacts(List<Member> known);
  }

  private final Node node;
  private final ChordTable table;
  private final Peers<Command> peers;
  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final ActorRef<Upcall> listener;
  private final NodeId self;
  private final Member me;
  private final Map<Long, Query> queries = new HashMap<>();
  private final Map<Long, Forwarded> forwarded = new HashMap<>();
  private long nextQuery;
  private long nextHop;
  private long answered;

  ChordLookups(Node node, ChordTable table, Peers<Command> peers, Settings settings, TimerScheduler<Command> timers,
      ActorRef<Upcall> listener, Member me) {
    this.node = node;
    this.table = table;
    this.peers = peers;
    this.settings = settings;
    this.timers = timers;
    this.listener = listener;
    this.self = me.node();
    this.me = me;
  }

  /** Whether this node is asking to join (its successor not yet known). */
  boolean joining() {
    return queries.values().stream().anyMatch(q -> q.purpose instanceof JoinRing);
  }

  /** Refreshes finger {@code index}: looks up its start. */
  void fixFinger(int index) {
    long start = table.fingerStart(index);
    long q = ask(new FixFinger(index), start);
    route(new FindSuccessor(start, self, q, 0, self, -1));
  }

  /** How many lookups this node answered. */
  long answered() {
    return answered;
  }

  void onLookup(Lookup l) {
    if (!node.joined()) {
      listener.tell(new LookupFailed(self, l.requestId(), l.key(), "node " + self + " is not in a ring"));
      return;
    }
    long target = identifier(l.key(), settings.bits());
    long q = ask(new ClientLookup(l.requestId(), l.key()), target);
    route(new FindSuccessor(target, self, q, 0, self, -1));
  }

  /** Registers a query of this node and arms its timeout. */
  private long ask(Purpose purpose, long target) {
    long q = nextQuery++;
    queries.put(q, new Query(purpose, target));
    timers.startSingleTimer(new QueryTimeout(q), new QueryTimeout(q), settings.lookupTimeout());
    return q;
  }

  void onFindSuccessor(FindSuccessor f) {
    if (f.hop() >= 0) {
      peers.tell(f.from(), new HopAck(f.hop()));
    }
    if (node.joined()) {
      route(f);
    }
  }

  /** Answers {@code f} if the target is in (n, successor], else forwards it to the closest preceding finger. */
  private void route(FindSuccessor f) {
    Member successor = table.successor();
    if (successor.equals(me) || betweenRightIncluded(f.target(), me.id(), successor.id())) {
      answered++;
      List<Member> known = new ArrayList<>(List.of(me));
      known.addAll(table.successors());
      Answer answer = new Answer(f.query(), successor, f.hops(), known);
      if (f.origin().equals(self)) {
        onAnswer(answer);
      } else {
        peers.tell(f.origin(), answer);
      }
      return;
    }
    Member next = table.closestPreceding(f.target());
    if (next.equals(me)) {
      next = successor;
    }
    long hop = nextHop++;
    forwarded.put(hop, new Forwarded(f, next.node()));
    timers.startSingleTimer(new HopTimeout(hop), new HopTimeout(hop), settings.hopTimeout());
    peers.tell(next.node(), new FindSuccessor(f.target(), f.origin(), f.query(), f.hops() + 1, self, hop));
  }

  void onHopAck(HopAck a) {
    if (forwarded.remove(a.hop()) != null) {
      timers.cancel(new HopTimeout(a.hop()));
    }
  }

  void onHopTimeout(HopTimeout t) {
    Forwarded f = forwarded.remove(t.hop());
    if (f != null) {
      table.forget(f.next());
      if (node.joined() && !table.successor().node().equals(f.next())) {
        route(f.before());
      }
    }
  }

  void onAnswer(Answer a) {
    Query q = queries.remove(a.query());
    if (q == null) {
      return;
    }
    timers.cancel(new QueryTimeout(a.query()));
    if (q.purpose instanceof JoinRing) {
      node.learnContacts(a.known());
    }
    if (q.purpose instanceof ClientLookup c) {
      listener.tell(new Found(self, c.requestId(), c.key(), q.target, a.successor().node(), a.hops()));
    } else if (q.purpose instanceof FixFinger f) {
      table.learnFinger(f.index(), a.successor());
    } else if (q.purpose instanceof JoinRing && !node.joined()) {
      node.enter(a.successor());
    } else if (q.purpose instanceof JoinRing) {
      List<Member> list = new ArrayList<>(List.of(a.successor()));
      list.addAll(table.successors());
      table.setSuccessors(list);
    }
  }

  void onQueryTimeout(QueryTimeout t) {
    Query q = queries.get(t.query());
    if (q == null) {
      return;
    }
    if (q.purpose instanceof FixFinger) {
      queries.remove(t.query());
      return;
    }
    if (q.purpose instanceof ClientLookup c && q.attempts >= settings.lookupAttempts()) {
      queries.remove(t.query());
      listener.tell(new LookupFailed(self, c.requestId(), c.key(),
          "no answer after " + q.attempts + " attempts"));
      return;
    }
    if (q.purpose instanceof JoinRing) {
      queries.remove(t.query());
      askContact(node.nextContact()); // the contact may have crashed: the next one known
      return;
    }
    q.attempts++;
    timers.startSingleTimer(t, t, settings.lookupTimeout());
    if (node.joined()) {
      route(new FindSuccessor(q.target, self, t.query(), 0, self, -1));
    }
  }

  /** Asks the contact node for this node's successor (to join, or to find the ring again). */
  void askContact(NodeId contact) {
    if (contact != null && queries.values().stream().noneMatch(q -> q.purpose instanceof JoinRing)) {
      long q = ask(new JoinRing(contact), me.id());
      peers.tell(contact, new FindSuccessor(me.id(), self, q, 0, self, -1));
    }
  }
}

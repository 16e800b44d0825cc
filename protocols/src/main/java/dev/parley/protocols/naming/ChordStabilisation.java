package dev.parley.protocols.naming;

import static dev.parley.protocols.naming.Chord.between;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.naming.Chord.Command;
import dev.parley.protocols.naming.Chord.GetPredecessor;
import dev.parley.protocols.naming.Chord.Member;
import dev.parley.protocols.naming.Chord.Notify;
import dev.parley.protocols.naming.Chord.Ping;
import dev.parley.protocols.naming.Chord.PredecessorIs;
import dev.parley.protocols.naming.Chord.Pong;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Chord} node's periodic rounds (the paper's figure 6; Chord's head comment has the model,
 * guarantees and cost): stabilise (ask the successor for its predecessor and list, take a closer
 * successor, notify it; a successor silent for a whole round is taken for failed), notify,
 * check_predecessor (forget a predecessor that does not answer a ping) and fix_fingers (look up
 * the next finger's start).
 */
final class ChordStabilisation {

  /** What the rounds ask of the node they serve. */
  interface Node {
    boolean joined();

    /**
     * The node to join through again: the one this node joined through, or, once that one failed to
     * answer, the next of the live members its join answers named (null if it created the ring).
     */
    NodeId contact();
  }

  private final Node node;
  private final ChordTable table;
  private final ChordLookups lookups;
  private final Peers<Command> peers;
  private final Member me;
  private final NodeId self;
  private long round;
  private long pingRound;
  private Member awaitingSuccessor;
  private Member awaitingPong;

  ChordStabilisation(Node node, ChordTable table, ChordLookups lookups, Peers<Command> peers, Member me) {
    this.node = node;
    this.table = table;
    this.lookups = lookups;
    this.peers = peers;
    this.me = me;
    this.self = me.node();
  }

  void stabilise() {
    if (awaitingSuccessor != null) {
      table.forget(awaitingSuccessor.node());
      if (table.successor().equals(awaitingSuccessor) && table.predecessor() == null) {
        lookups.askContact(node.contact());
      }
      awaitingSuccessor = null;
    }
    Member successor = table.successor();
    if (successor.equals(me)) {
      if (table.predecessor() != null) {
        table.setSuccessors(List.of(table.predecessor()));
        peers.tell(table.predecessor().node(), new Notify(me));
      }
      return;
    }
    awaitingSuccessor = successor;
    peers.tell(successor.node(), new GetPredecessor(self, ++round));
  }

  void onGetPredecessor(GetPredecessor g) {
    if (node.joined()) {
      peers.tell(g.from(), new PredecessorIs(g.round(), me, table.predecessor(), table.successors()));
    }
  }

  void onPredecessorIs(PredecessorIs p) {
    if (awaitingSuccessor == null || p.round() != round || !awaitingSuccessor.equals(p.self())) {
      return;
    }
    awaitingSuccessor = null;
    List<Member> list = new ArrayList<>();
    Member x = p.predecessor();
    if (x != null && between(x.id(), me.id(), p.self().id())) {
      list.add(x);
    }
    list.add(p.self());
    list.addAll(p.successors());
    table.setSuccessors(list);
    peers.tell(table.successor().node(), new Notify(me));
  }

  void onNotify(Notify n) {
    Member c = n.candidate();
    if (node.joined() && !c.equals(me)
        && (table.predecessor() == null || between(c.id(), table.predecessor().id(), me.id()))) {
      table.predecessor(c);
    }
  }

  void checkPredecessor() {
    if (awaitingPong != null && awaitingPong.equals(table.predecessor())) {
      table.predecessor(null);
    }
    awaitingPong = table.predecessor();
    if (table.predecessor() != null) {
      peers.tell(table.predecessor().node(), new Ping(self, ++pingRound));
    }
  }

  void onPing(Ping p) {
    peers.tell(p.from(), new Pong(p.round()));
  }

  void onPong(Pong p) {
    awaitingPong = null;
  }

  void fixFingers() {
    int finger = table.nextFingerToFix();
    if (finger > 0) {
      lookups.fixFinger(finger);
    }
  }
}

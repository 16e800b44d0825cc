package dev.parley.protocols.naming;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.naming.Chord.Command;
import dev.parley.protocols.naming.Chord.Joined;
import dev.parley.protocols.naming.Chord.Leaving;
import dev.parley.protocols.naming.Chord.Member;
import dev.parley.protocols.naming.Chord.Upcall;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Chord} node's membership (Chord's head comment has the model, guarantees and cost):
 * whether it is in the ring, how it enters (a new ring of its own, or the successor a join's answer
 * names), the contacts it keeps to join through again should it lose touch with the ring, and a
 * polite leave ({@link Leaving}, to its successor and predecessor, which take over its place). The
 * lookups and the rounds ask it whether the node is in the ring and whom to join through; the node
 * starts its rounds once it is in.
 */
final class ChordMembership implements ChordLookups.Node, ChordStabilisation.Node {

  /** How many contacts a node keeps to join through again. */
  private static final int CONTACTS_KEPT = 8;

  private final Member me;
  private final ChordTable table;
  private final Peers<Command> peers;
  private final ActorRef<Upcall> listener;
  private final Runnable startRounds;
  private final List<NodeId> contacts = new ArrayList<>();
  private int currentContact;
  private boolean joined;

  /** The membership of {@code me}; {@code startRounds} starts its periodic rounds once it is in. */
  ChordMembership(Member me, ChordTable table, Peers<Command> peers, ActorRef<Upcall> listener,
      Runnable startRounds) {
    this.me = me;
    this.table = table;
    this.peers = peers;
    this.listener = listener;
    this.startRounds = startRounds;
  }

  @Override
  public boolean joined() {
    return joined;
  }

  @Override
  public NodeId contact() {
    return contacts.isEmpty() ? null : contacts.get(currentContact);
  }

  @Override
  public NodeId nextContact() {
    if (contacts.isEmpty()) {
      return null;
    }
    currentContact = (currentContact + 1) % contacts.size();
    return contacts.get(currentContact);
  }

  @Override
  public void learnContacts(List<Member> known) {
    for (Member m : known) {
      if (contacts.size() < CONTACTS_KEPT && !m.node().equals(me.node()) && !contacts.contains(m.node())) {
        contacts.add(m.node());
      }
    }
  }

  @Override
  public void enter(Member successor) {
    table.predecessor(null);
    table.setSuccessors(List.of(successor));
    becomeMember();
  }

  /** Starts a new ring with this node alone in it (nothing if it is in one already). */
  void create() {
    if (!joined) {
      table.predecessor(null);
      table.setSuccessors(List.of());
      becomeMember();
    }
  }

  /** Takes {@code via}, the node a join goes through, as the first contact. */
  void joinThrough(NodeId via) {
    contacts.add(via);
  }

  private void becomeMember() {
    joined = true;
    listener.tell(new Joined(me.node(), table.successor()));
    startRounds.run();
  }

  /** Tells the successor and the predecessor that this node leaves (if it is in the ring). */
  void leave() {
    if (joined) {
      Leaving leaving = new Leaving(me, table.predecessor(), table.successors());
      Member successor = table.successor();
      if (!successor.equals(me)) {
        peers.tell(successor.node(), leaving);
      }
      if (table.predecessor() != null && !table.predecessor().equals(successor)) {
        peers.tell(table.predecessor().node(), leaving);
      }
    }
  }

  /** A neighbour leaves: its predecessor or successors take its place. */
  void onLeaving(Leaving l) {
    boolean wasSuccessor = table.successor().equals(l.leaving());
    boolean wasPredecessor = l.leaving().equals(table.predecessor());
    table.forget(l.leaving().node());
    if (wasPredecessor && l.predecessor() != null && !l.predecessor().equals(me)) {
      table.predecessor(l.predecessor());
    }
    if (wasSuccessor) {
      List<Member> merged = new ArrayList<>(l.successors());
      merged.addAll(table.successors());
      table.setSuccessors(merged);
    }
  }
}

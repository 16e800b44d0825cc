package dev.parley.protocols.naming;

import static dev.parley.protocols.naming.Chord.between;
import static dev.parley.protocols.naming.Chord.betweenRightIncluded;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.naming.Chord.Member;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A {@link Chord} node's routing table (the paper's state; Chord's head comment has the model,
 * guarantees and cost): its predecessor, its list of r nearest successors and its finger table
 * FT[i] = succ(n + 2^(i-1)), i = 1..m (FT[1] is the successor); the closest preceding node a lookup
 * goes to next; and how the table is repaired when a node is taken for failed or gone.
 */
final class ChordTable {

  private final Member me;
  private final int successorsKept;
  private final long ringSize;
  private final Member[] fingers;
  private List<Member> successors = List.of();
  private Member predecessor;
  private int nextFinger;

  ChordTable(Member me, Chord.Settings settings) {
    this.me = me;
    this.successorsKept = settings.successors();
    this.ringSize = 1L << settings.bits();
    this.fingers = new Member[settings.bits()];
  }

  Member predecessor() {
    return predecessor;
  }

  void predecessor(Member node) {
    predecessor = node;
  }

  List<Member> successors() {
    return successors;
  }

  /** FT[1..m] in order; null where a finger is not known. */
  List<Member> fingers() {
    return Arrays.asList(fingers.clone());
  }

  /** The next finger fix_fingers refreshes (2..m in turn; FT[1] is the successor), or -1 if m = 1. */
  int nextFingerToFix() {
    nextFinger = nextFinger + 1 >= fingers.length ? 1 : nextFinger + 1;
    return fingers.length > 1 ? nextFinger : -1;
  }

  /** The known node closest before {@code target} (fingers and successors), or this node. */
  Member closestPreceding(long target) {
    Member best = me;
    long bestDistance = 0;
    for (Member f : fingers) {
      if (f != null && between(f.id(), me.id(), target)) {
        long d = distance(f.id());
        if (d > bestDistance) {
          best = f;
          bestDistance = d;
        }
      }
    }
    for (Member s : successors) {
      if (between(s.id(), me.id(), target) && distance(s.id()) > bestDistance) {
        best = s;
        bestDistance = distance(s.id());
      }
    }
    return best;
  }

  /** Clockwise distance from this node to {@code id}. */
  private long distance(long id) {
    return Math.floorMod(id - me.id(), ringSize);
  }

  /** The start of finger FT[index + 1]: n + 2^index, modulo 2^m. */
  long fingerStart(int index) {
    return Math.floorMod(me.id() + (1L << index), ringSize);
  }

  /** Finger {@code index} is {@code node}; so are the next fingers whose start it also covers. */
  void learnFinger(int index, Member node) {
    if (node.equals(me)) {
      return;
    }
    fingers[index] = node;
    int i = index + 1;
    while (i < fingers.length && betweenRightIncluded(fingerStart(i), me.id(), node.id())
        && fingerStart(i) != me.id()) {
      fingers[i] = node;
      nextFinger = i;
      i++;
    }
  }

  Member successor() {
    return successors.isEmpty() ? me : successors.get(0);
  }

  /**
   * The successor list: the r of {@code candidates} nearest clockwise, without this node and repeats.
   * Ordering by distance, not taking the candidates' order, keeps the first successor the nearest node
   * this node knows of: a successor's list that wraps round the ring past this node (after a live node
   * was taken for failed, two neighbours can end up each other's successor, a loop beside the ring)
   * then names a nearer node, and stabilise walks back from it to the true successor.
   */
  void setSuccessors(List<Member> candidates) {
    List<Member> nearest = new ArrayList<>(candidates.size());
    for (Member m : candidates) {
      if (m != null && !m.equals(me) && !nearest.contains(m)) {
        nearest.add(m);
      }
    }
    nearest.sort(Comparator.comparingLong(m -> distance(m.id())));
    List<Member> list = nearest.subList(0, Math.min(successorsKept, nearest.size()));
    successors = List.copyOf(list);
    fingers[0] = successors.isEmpty() ? null : successors.get(0);
  }

  /**
   * Takes {@code node} for failed or gone: out of the fingers, the successors and the predecessor. When
   * no successor is left, the fingers, nearest first, and then the predecessor take their places
   * (stabilise then walks back to the true successor, one node per round from the predecessor);
   * failing all that the last successor known stays and is asked again next round, since a node with
   * none would be cut off for good and the silent one may only have been slow. (A node that knows
   * neither fingers nor a predecessor, just joined, asks its contact node again: see stabilise.)
   */
  void forget(NodeId node) {
    for (int i = 0; i < fingers.length; i++) {
      if (fingers[i] != null && fingers[i].node().equals(node)) {
        fingers[i] = null;
      }
    }
    if (predecessor != null && predecessor.node().equals(node)) {
      predecessor = null;
    }
    List<Member> rest = new ArrayList<>(successors);
    rest.removeIf(m -> m.node().equals(node));
    if (rest.isEmpty()) {
      for (Member f : fingers) {
        if (f != null && !f.node().equals(node)) {
          rest.add(f);
        }
      }
      rest.sort(Comparator.comparingLong(m -> distance(m.id())));
      if (predecessor != null) {
        rest.add(predecessor);
      }
    }
    if (!rest.isEmpty()) {
      setSuccessors(rest);
    }
  }
}

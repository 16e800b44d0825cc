package dev.parley.protocols.link;

import akka.actor.typed.ActorRef;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.LinkControl.SetPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The nemesis handle of a group: every fault-injecting link of the group registered under its
 * direction, and the current {@link NetworkFaults}. {@link #apply} changes the faults and tells every
 * link its new plan. Safe to call from a test thread or an HTTP handler.
 *
 * <p>{@link #faultless()} says whether the network never had a fault (a perfect initial plan and no
 * command applied yet): until then a {@link LinkShortcut} may pass its link by.
 */
public final class Network {

  private record Point(NodeId from, NodeId to, ActorRef<LinkControl> link) {}

  private final List<Point> points = new ArrayList<>();
  private final List<LinkShortcut> shortcuts = new ArrayList<>();
  private NetworkFaults faults;
  private volatile boolean faultless;

  public Network(Set<NodeId> members, FaultPlan initial) {
    this.faults = NetworkFaults.whole(members, initial);
    this.faultless = initial.isPerfect();
  }

  /** Whether no fault was ever planned: a perfect initial plan, and no command applied since. */
  public boolean faultless() {
    return faultless;
  }

  /** Counts {@code shortcut}'s messages among those its link's direction sent ({@link #bypassed}). */
  public synchronized void register(LinkShortcut shortcut) {
    requireMember(shortcut.from());
    requireMember(shortcut.to());
    shortcuts.add(shortcut);
  }

  /** Messages {@code from -> to} that went around their link by a {@link LinkShortcut}. */
  public synchronized long bypassed(NodeId from, NodeId to) {
    return shortcuts.stream().filter(s -> s.from().equals(from) && s.to().equals(to))
        .mapToLong(LinkShortcut::sent).sum();
  }

  /** The plan a new link {@code from -> to} starts with. */
  public synchronized FaultPlan planFor(NodeId from, NodeId to) {
    requireMember(from);
    requireMember(to);
    return faults.planFor(from, to);
  }

  /** Puts the link {@code from -> to} under this network's faults from now on. */
  public synchronized void register(NodeId from, NodeId to, ActorRef<LinkControl> link) {
    requireMember(from);
    requireMember(to);
    points.add(new Point(from, to, link));
    link.tell(new SetPlan(faults.planFor(from, to)));
  }

  /** Applies a nemesis command to every registered link; an invalid command changes nothing. */
  public synchronized NetworkFaults apply(NemesisCommand command) {
    faults = faults.apply(command);
    faultless = false;
    for (Point p : points) {
      p.link().tell(new SetPlan(faults.planFor(p.from(), p.to())));
    }
    return faults;
  }

  public synchronized NetworkFaults faults() {
    return faults;
  }

  /** The links registered for {@code from -> to} (a data link, and an acknowledgement link if any). */
  public synchronized List<ActorRef<LinkControl>> links(NodeId from, NodeId to) {
    return points.stream()
        .filter(p -> p.from().equals(from) && p.to().equals(to))
        .map(Point::link)
        .toList();
  }

  private void requireMember(NodeId node) {
    if (!faults.members().contains(node)) {
      throw new IllegalArgumentException(
          "unknown node " + node + "; the members are " + faults.members());
    }
  }
}

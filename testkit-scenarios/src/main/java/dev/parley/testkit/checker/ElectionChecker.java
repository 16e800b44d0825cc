package dev.parley.testkit.checker;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.report.TextTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Leader election over the {@link LeaderAnnouncement}s of a run:
 *
 * <ul>
 *   <li><b>safety</b>: at most one leader per epoch (two different leaders announced for the same
 *       epoch, by any nodes, is a violation);
 *   <li><b>agreement</b> (when configured with the live nodes and a time by which the group must have
 *       settled): every live node has announced; the last announcements of all live nodes name the same
 *       leader and epoch; that leader is live; and the group had settled by the settling time: then
 *       every live node already named that leader, and none named another one afterwards.
 * </ul>
 *
 * <p>Complexity: O(n) in the number of announcements, for both.
 *
 * <pre>{@code
 * Verdict v = ElectionChecker.create().withAgreement(Set.of(n(1), n(2), n(3)), stableAt).check(log);
 * }</pre>
 */
public final class ElectionChecker implements Checker<List<LeaderAnnouncement>> {

  private static final String NAME = "election";

  private record Agreement(Set<NodeId> live, long settledByNanos) {}

  private final Agreement agreement;

  private ElectionChecker(Agreement agreement) {
    this.agreement = agreement;
  }

  /** Checks safety; agreement is added with {@link #withAgreement}. */
  public static ElectionChecker create() {
    return new ElectionChecker(null);
  }

  /**
   * Also check that the {@code live} nodes agree on a live leader, and had settled on it by
   * {@code settledByNanos} (use {@link Long#MAX_VALUE} to judge only the final announcements).
   */
  public ElectionChecker withAgreement(Set<NodeId> live, long settledByNanos) {
    if (live.isEmpty()) {
      throw new IllegalArgumentException("agreement needs at least one live node");
    }
    return new ElectionChecker(new Agreement(Set.copyOf(live), settledByNanos));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict check(List<LeaderAnnouncement> announcements) {
    List<Verdict> parts = new ArrayList<>();
    parts.add(safety(announcements));
    if (agreement != null) {
      parts.add(agreement(announcements));
    }
    return Verdict.allOf(NAME, parts);
  }

  /** At most one leader per epoch. */
  public Verdict safety(List<LeaderAnnouncement> announcements) {
    String name = NAME + ": safety";
    Map<Long, LeaderAnnouncement> firstPerEpoch = new HashMap<>();
    Map<Long, List<LeaderAnnouncement>> conflicts = new LinkedHashMap<>();
    for (LeaderAnnouncement a : announcements) {
      LeaderAnnouncement first = firstPerEpoch.putIfAbsent(a.epoch(), a);
      if (first != null && !first.leader().equals(a.leader())) {
        conflicts.computeIfAbsent(a.epoch(), e -> new ArrayList<>(List.of(first))).add(a);
      }
    }
    if (conflicts.isEmpty()) {
      return Verdict.valid(name, "one leader per epoch over " + firstPerEpoch.size() + " epoch(s)");
    }
    Map.Entry<Long, List<LeaderAnnouncement>> worst = conflicts.entrySet().iterator().next();
    List<LeaderAnnouncement> shown = worst.getValue().stream()
        .filter(distinctLeaders()).toList();
    List<String> lines = new ArrayList<>();
    lines.add("epoch " + worst.getKey() + " has leaders "
        + shown.stream().map(a -> a.leader().name()).toList() + ":");
    lines.addAll(table(shown));
    return Verdict.invalid(name, conflicts.size() + " epoch(s) with two or more leaders; first: epoch "
        + worst.getKey(), lines);
  }

  /** The live nodes agree on a live leader and had settled on it in time (as configured). */
  public Verdict agreement(List<LeaderAnnouncement> announcements) {
    if (agreement == null) {
      throw new IllegalStateException("no agreement configured: use withAgreement(liveNodes, settledBy)");
    }
    String name = NAME + ": agreement";
    Map<NodeId, LeaderAnnouncement> last = new HashMap<>();
    for (LeaderAnnouncement a : announcements) {
      if (agreement.live().contains(a.node())) {
        last.put(a.node(), a);
      }
    }
    TreeSet<NodeId> silent = new TreeSet<>(agreement.live());
    silent.removeAll(last.keySet());
    if (!silent.isEmpty()) {
      return Verdict.invalid(name, "live node(s) " + silent + " never announced a leader", List.of());
    }
    List<LeaderAnnouncement> finals = agreement.live().stream().sorted().map(last::get).toList();
    List<LeaderAnnouncement> differentFinals = finals.stream().filter(distinctChoices()).toList();
    if (differentFinals.size() > 1) {
      return Verdict.invalid(name, "live nodes end up naming " + differentFinals.size() + " different leaders",
          withHeader("last announcement of each live node:", table(finals)));
    }
    LeaderAnnouncement agreed = finals.get(0);
    if (!agreement.live().contains(agreed.leader())) {
      return Verdict.invalid(name, "all live nodes name " + agreed.leader() + " (epoch " + agreed.epoch()
          + "), which is not live", withHeader("last announcement of each live node:", table(finals)));
    }
    List<String> unsettled = unsettled(announcements, agreed);
    if (!unsettled.isEmpty()) {
      return Verdict.invalid(name, "not settled on " + agreed.leader() + " (epoch " + agreed.epoch()
          + ") by t=" + agreement.settledByNanos(),
          withHeader("live nodes believing otherwise at or after t=" + agreement.settledByNanos() + ":",
              unsettled));
    }
    return Verdict.valid(name, agreement.live().size() + " live node(s) agree on " + agreed.leader()
        + " (epoch " + agreed.epoch() + ")");
  }

  /**
   * Rows for live nodes whose belief at the settling time was not the agreed one (or who had none yet),
   * and for announcements of anything else after it.
   */
  private List<String> unsettled(List<LeaderAnnouncement> announcements, LeaderAnnouncement agreed) {
    long settledBy = agreement.settledByNanos();
    if (settledBy == Long.MAX_VALUE) {
      return List.of();
    }
    Predicate<LeaderAnnouncement> isAgreed =
        a -> a.leader().equals(agreed.leader()) && a.epoch() == agreed.epoch();
    Map<NodeId, LeaderAnnouncement> beliefAtSettling = new HashMap<>();
    List<LeaderAnnouncement> laterOthers = new ArrayList<>();
    for (LeaderAnnouncement a : announcements) {
      if (!agreement.live().contains(a.node())) {
        continue;
      }
      if (a.timeNanos() <= settledBy) {
        beliefAtSettling.put(a.node(), a);
      } else if (!isAgreed.test(a)) {
        laterOthers.add(a);
      }
    }
    TextTable t = new TextTable("time", "node", "leader", "epoch", "");
    int rows = 0;
    for (NodeId node : new TreeSet<>(agreement.live())) {
      LeaderAnnouncement belief = beliefAtSettling.get(node);
      if (belief == null) {
        t.row("-", node, "none", "-", "nothing announced by the settling time");
        rows++;
      } else if (!isAgreed.test(belief)) {
        t.row(belief.timeNanos(), node, belief.leader(), belief.epoch(), "its belief at the settling time");
        rows++;
      }
    }
    for (LeaderAnnouncement a : laterOthers.subList(0, Math.min(10, laterOthers.size()))) {
      t.row(a.timeNanos(), a.node(), a.leader(), a.epoch(), "announced after the settling time");
      rows++;
    }
    return rows == 0 ? List.of() : t.lines();
  }

  private static Predicate<LeaderAnnouncement> distinctLeaders() {
    Set<NodeId> seen = new HashSet<>();
    return a -> seen.add(a.leader());
  }

  private static Predicate<LeaderAnnouncement> distinctChoices() {
    Set<List<Object>> seen = new HashSet<>();
    return a -> seen.add(List.of(a.leader(), a.epoch()));
  }

  private static List<String> withHeader(String header, List<String> lines) {
    List<String> all = new ArrayList<>();
    all.add(header);
    all.addAll(lines);
    return all;
  }

  private static List<String> table(List<LeaderAnnouncement> announcements) {
    TextTable t = new TextTable("time", "node", "leader", "epoch");
    announcements.forEach(a -> t.row(a.timeNanos(), a.node(), a.leader(), a.epoch()));
    return t.lines();
  }
}

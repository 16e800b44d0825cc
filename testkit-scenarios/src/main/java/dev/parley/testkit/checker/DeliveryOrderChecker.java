package dev.parley.testkit.checker;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.multicast.MessageId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks the order in which the members of a group delivered multicast messages, given each
 * member's deliveries in order ({@code Map<NodeId, List<MessageId>>}).
 *
 * <ul>
 *   <li>{@link #exactlyOnce}: validity, no duplication, no creation, agreement: every member
 *       delivers every message sent, once, and nothing else.
 *   <li>{@link #fifo}: a member that delivers the k-th message of a sender has delivered its first
 *       k-1 before.
 *   <li>{@link #causal}: a member that delivers m2 has delivered before it every m1 whose multicast
 *       happened before the multicast of m2. Happened-before is computed from the logs themselves
 *       with vector clocks, which needs every sender to deliver its own message at the moment it
 *       multicasts it (as basic, FIFO and causal multicast do); otherwise the verdict is unknown.
 *   <li>{@link #total}: any two members deliver the messages they both delivered in the same order.
 * </ul>
 *
 * Each runs in O(N * M) for N members and M deliveries ({@link #total}: O(N^2 * M)), and a violation
 * names the member, the two messages, and why one had to come first.
 */
public final class DeliveryOrderChecker {

  private DeliveryOrderChecker() {}

  /** Every member delivered every message of {@code sent} exactly once, and nothing else. */
  public static Verdict exactlyOnce(Map<NodeId, List<MessageId>> deliveries, Set<MessageId> sent) {
    List<String> lines = new ArrayList<>();
    for (var e : new TreeMap<>(deliveries).entrySet()) {
      Map<MessageId, Integer> counts = new TreeMap<>();
      e.getValue().forEach(m -> counts.merge(m, 1, Integer::sum));
      Set<MessageId> missing = new TreeSet<>(sent);
      missing.removeAll(counts.keySet());
      List<String> twice = new ArrayList<>();
      List<String> unknown = new ArrayList<>();
      counts.forEach(
          (m, c) -> {
            if (c > 1) {
              twice.add(m + " x" + c);
            }
            if (!sent.contains(m)) {
              unknown.add(m.toString());
            }
          });
      if (!missing.isEmpty()) {
        lines.add(e.getKey() + " never delivered " + abbreviate(new ArrayList<>(missing)));
      }
      if (!twice.isEmpty()) {
        lines.add(e.getKey() + " delivered more than once " + abbreviate(twice));
      }
      if (!unknown.isEmpty()) {
        lines.add(e.getKey() + " delivered messages nobody sent " + abbreviate(unknown));
      }
    }
    String what = sent.size() + " messages at " + deliveries.size() + " members";
    return lines.isEmpty()
        ? Verdict.valid("exactly-once", "every member delivered each of " + what + " once")
        : Verdict.invalid("exactly-once", lines.size() + " problems with " + what, lines);
  }

  /** Each member delivers every sender's messages in the order they were sent, with no gaps. */
  public static Verdict fifo(Map<NodeId, List<MessageId>> deliveries) {
    for (var e : new TreeMap<>(deliveries).entrySet()) {
      Map<NodeId, Long> lastSeq = new HashMap<>();
      List<MessageId> log = e.getValue();
      for (int i = 0; i < log.size(); i++) {
        MessageId m = log.get(i);
        long expected = lastSeq.getOrDefault(m.origin(), 0L) + 1;
        if (m.seq() != expected) {
          String why =
              m.seq() < expected
                  ? m + " came again after " + new MessageId(m.origin(), expected - 1)
                  : m + " came before " + new MessageId(m.origin(), expected) + ", sent earlier";
          return Verdict.invalid(
              "fifo",
              e.getKey() + " broke the sending order of " + m.origin(),
              List.of(
                  "at " + e.getKey() + ", delivery " + (i + 1) + ": " + why,
                  e.getKey() + " delivered: " + window(log, i)));
        }
        lastSeq.put(m.origin(), m.seq());
      }
    }
    return Verdict.valid("fifo", "every member kept every sender's order");
  }

  /** Any two members deliver their common messages in the same order. */
  public static Verdict total(Map<NodeId, List<MessageId>> deliveries) {
    List<NodeId> nodes = new ArrayList<>(new TreeSet<>(deliveries.keySet()));
    for (int a = 0; a < nodes.size(); a++) {
      for (int b = a + 1; b < nodes.size(); b++) {
        List<MessageId> la = deliveries.get(nodes.get(a));
        Map<MessageId, Integer> posB = positions(deliveries.get(nodes.get(b)));
        MessageId previous = null;
        int previousPos = -1;
        for (MessageId m : la) {
          Integer p = posB.get(m);
          if (p == null) {
            continue;
          }
          if (p < previousPos) {
            return Verdict.invalid(
                "total-order",
                nodes.get(a) + " and " + nodes.get(b) + " delivered in different orders",
                List.of(
                    nodes.get(a) + " delivered " + previous + " before " + m,
                    nodes.get(b) + " delivered " + m + " before " + previous));
          }
          previous = m;
          previousPos = p;
        }
      }
    }
    return Verdict.valid("total-order", "all " + nodes.size() + " members delivered in one order");
  }

  /** No member delivers a message before one that causally precedes it (see class comment). */
  public static Verdict causal(Map<NodeId, List<MessageId>> deliveries) {
    CausalHistory history = CausalHistory.of(deliveries);
    if (history.problem != null) {
      return Verdict.unknown("causal", history.problem);
    }
    for (var e : new TreeMap<>(deliveries).entrySet()) {
      NodeId j = e.getKey();
      Map<NodeId, Integer> prefix = new HashMap<>();
      Set<MessageId> seen = new HashSet<>();
      List<MessageId> log = e.getValue();
      for (int i = 0; i < log.size(); i++) {
        MessageId m2 = log.get(i);
        for (NodeId o : history.sends.keySet()) {
          int required = history.precedingSends(m2, o);
          int have = advance(prefix, seen, history.sends.get(o), o);
          if (have < required) {
            MessageId m1 = history.sends.get(o).get(have);
            return Verdict.invalid(
                "causal",
                "at " + j + ", " + m2 + " was delivered before " + m1 + ", which happened before it",
                List.of(
                    m1 + " -> " + m2 + ": " + history.explain(m1, m2),
                    j + " delivered: " + window(log, i)));
          }
        }
        seen.add(m2);
      }
    }
    return Verdict.valid("causal", "no member delivered a message before its causes");
  }

  private static int advance(
      Map<NodeId, Integer> prefix, Set<MessageId> seen, List<MessageId> sends, NodeId origin) {
    int p = prefix.getOrDefault(origin, 0);
    while (p < sends.size() && seen.contains(sends.get(p))) {
      p++;
    }
    prefix.put(origin, p);
    return p;
  }

  /** The send events of every message and their vector clocks, recovered from the logs. */
  private static final class CausalHistory {
    final SortedMap<NodeId, List<MessageId>> sends = new TreeMap<>();
    final Map<MessageId, long[]> sendClock = new HashMap<>();
    final Map<NodeId, int[]> sendsUpTo = new HashMap<>();
    final List<NodeId> nodes;
    String problem;

    final Map<NodeId, List<MessageId>> deliveries;

    private CausalHistory(List<NodeId> nodes, Map<NodeId, List<MessageId>> deliveries) {
      this.nodes = nodes;
      this.deliveries = deliveries;
    }

    static CausalHistory of(Map<NodeId, List<MessageId>> deliveries) {
      List<NodeId> nodes = new ArrayList<>(new TreeSet<>(deliveries.keySet()));
      CausalHistory h = new CausalHistory(nodes, deliveries);
      Map<NodeId, Integer> index = new HashMap<>();
      for (int k = 0; k < nodes.size(); k++) {
        index.put(nodes.get(k), k);
      }
      Set<MessageId> delivered = new HashSet<>();
      deliveries.values().forEach(delivered::addAll);
      for (MessageId m : delivered) {
        if (!index.containsKey(m.origin()) || !deliveries.get(m.origin()).contains(m)) {
          h.problem =
              "the causal check needs every sender to deliver its own message when it multicasts"
                  + " it, but " + m.origin() + " never delivered " + m;
          return h;
        }
      }
      for (NodeId n : nodes) {
        List<MessageId> log = deliveries.get(n);
        int[] upTo = new int[log.size() + 1];
        List<MessageId> own = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
          boolean send = log.get(i).origin().equals(n) && !own.contains(log.get(i));
          if (send) {
            own.add(log.get(i));
          }
          upTo[i + 1] = upTo[i] + (send ? 1 : 0);
        }
        h.sends.put(n, own);
        h.sendsUpTo.put(n, upTo);
      }
      int[] pointer = new int[nodes.size()];
      long[][] clock = new long[nodes.size()][nodes.size()];
      boolean progress = true;
      while (progress) {
        progress = false;
        for (int k = 0; k < nodes.size(); k++) {
          List<MessageId> log = deliveries.get(nodes.get(k));
          while (pointer[k] < log.size()) {
            MessageId m = log.get(pointer[k]);
            long[] next = clock[k].clone();
            if (!m.origin().equals(nodes.get(k))) {
              long[] sent = h.sendClock.get(m);
              if (sent == null) {
                break; // its send is not reached yet; come back later
              }
              for (int x = 0; x < next.length; x++) {
                next[x] = Math.max(next[x], sent[x]);
              }
            }
            next[k] = pointer[k] + 1;
            if (m.origin().equals(nodes.get(k))) {
              h.sendClock.putIfAbsent(m, next);
            }
            clock[k] = next;
            pointer[k]++;
            progress = true;
          }
        }
      }
      for (int k = 0; k < nodes.size(); k++) {
        if (pointer[k] < deliveries.get(nodes.get(k)).size()) {
          h.problem = "the logs contradict themselves: " + nodes.get(k) + " delivered "
              + deliveries.get(nodes.get(k)).get(pointer[k]) + " in a cycle of deliveries";
          return h;
        }
      }
      return h;
    }

    /** How many of {@code o}'s messages happened before the multicast of {@code m}. */
    int precedingSends(MessageId m, NodeId o) {
      long[] vc = sendClock.get(m);
      int events = (int) vc[nodes.indexOf(o)];
      int count = sendsUpTo.get(o)[events];
      return o.equals(m.origin()) ? count - 1 : count;
    }

    String explain(MessageId m1, MessageId m2) {
      if (m1.origin().equals(m2.origin())) {
        return m1.origin() + " multicast " + m1 + " before " + m2;
      }
      List<MessageId> log = deliveries.get(m2.origin());
      boolean direct = log.indexOf(m1) >= 0 && log.indexOf(m1) < log.indexOf(m2);
      return m2.origin() + " multicast " + m2 + " after "
          + (direct ? "delivering " + m1 : "learning of " + m1 + " through a chain of deliveries");
    }
  }

  private static Map<MessageId, Integer> positions(List<MessageId> log) {
    Map<MessageId, Integer> pos = new LinkedHashMap<>();
    for (int i = 0; i < log.size(); i++) {
      pos.putIfAbsent(log.get(i), i);
    }
    return pos;
  }

  private static String window(List<MessageId> log, int at) {
    int from = Math.max(0, at - 4);
    int to = Math.min(log.size(), at + 2);
    StringBuilder s = new StringBuilder(from > 0 ? "... " : "");
    for (int i = from; i < to; i++) {
      s.append(i == at ? "[" + log.get(i) + "]" : log.get(i).toString());
      s.append(i + 1 < to ? ", " : "");
    }
    return s.append(to < log.size() ? " ..." : "").toString();
  }

  private static String abbreviate(List<?> items) {
    return items.size() <= 8 ? items.toString() : items.subList(0, 8) + " and " + (items.size() - 8) + " more";
  }
}

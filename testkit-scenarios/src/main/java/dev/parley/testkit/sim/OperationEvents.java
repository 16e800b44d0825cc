package dev.parley.testkit.sim;

import dev.parley.protocols.history.Operation;
import dev.parley.testkit.sim.TraceEvent.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;

/**
 * Which events of a simulated run belong to each client operation, for the explorer's history
 * ({@code RunRecord.operationEvents}): best effort, from what the trace shows. An operation's events
 * are its requests reaching a node (the trace's client events) and the upcalls answering it, within
 * the operation's time (from its invocation to its completion, or to the end if it has none), whose
 * message text {@code belongs} to it.
 *
 * <p>{@link #byRequestId()} is the rule for clients that name each request {@code <client>:<n>}, as the
 * key-value clients' {@code RequestId} does: one client runs one operation at a time, so a request or
 * answer naming the client within the operation's time is that operation's (or a retry of it).
 * Cost: one pass over the trace's requests and upcalls per operation.
 */
public final class OperationEvents {

  private OperationEvents() {}

  /** Requests and answers that name the operation's client as a request id ({@code c1:7}). */
  public static BiPredicate<Operation, String> byRequestId() {
    Map<String, Pattern> patterns = new HashMap<>();
    return (op, text) -> patterns
        .computeIfAbsent(op.process(), c -> Pattern.compile("(?<![A-Za-z0-9_-])" + Pattern.quote(c) + ":\\d"))
        .matcher(text).find();
  }

  /**
   * By operation id (its invocation's index), the indices of its stamped events; operations with
   * none are left out.
   */
  public static Map<Long, List<Long>> link(List<TraceEvent> trace, SimulationTraces.Stamping stamping,
      List<Operation> operations, BiPredicate<Operation, String> belongs) {
    List<Integer> candidates = new ArrayList<>();
    for (int t = 0; t < trace.size(); t++) {
      Kind kind = trace.get(t).kind();
      if (stamping.positions().get(t) >= 0 && (kind == Kind.CLIENT || kind == Kind.UPCALL)) {
        candidates.add(t);
      }
    }
    Map<Long, List<Long>> out = new HashMap<>();
    for (Operation op : operations) {
      long from = op.invocation().timeNanos();
      long to = op.completion() == null ? Long.MAX_VALUE : op.completion().timeNanos();
      List<Long> events = new ArrayList<>();
      for (int t : candidates) {
        TraceEvent e = trace.get(t);
        if (e.timeNanos() >= from && e.timeNanos() <= to && belongs.test(op, e.message())) {
          events.add((long) stamping.positions().get(t));
        }
      }
      if (!events.isEmpty()) {
        out.put(op.invocation().index(), List.copyOf(events));
      }
    }
    return out;
  }
}

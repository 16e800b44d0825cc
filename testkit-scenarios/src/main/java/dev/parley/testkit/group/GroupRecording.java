package dev.parley.testkit.group;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.History;
import dev.parley.protocols.history.Op;
import dev.parley.protocols.history.Operation;
import dev.parley.protocols.trace.RunRecord;
import dev.parley.protocols.trace.StampedEvent;
import dev.parley.testkit.checker.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A traced {@link LocalGroup}'s run as the explorer's {@link RunRecord} (source {@code group}, wall
 * time). The group's trace and history are stamped with {@code System.nanoTime()}, which has no
 * epoch; the record shifts both by one offset (epoch nanos now minus {@code nanoTime} now), so the
 * events and the operations share the run file's wall clock and keep their exact spacing.
 *
 * <p>Cost: one copy of the trace and the history.
 */
final class GroupRecording {

  private GroupRecording() {}

  static RunRecord record(String title, List<NodeId> nodes, List<StampedEvent> trace, History history,
      Verdict verdict, long seed) {
    Instant now = Instant.now();
    long offset = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    List<StampedEvent> events = new ArrayList<>(trace.size());
    for (StampedEvent e : trace) {
      events.add(new StampedEvent(e.index(), e.node(), e.instance(), e.kind(), e.peer(), e.messageId(), e.type(),
          e.label(), e.clock(), e.timeNanos() + offset));
    }
    List<Operation> operations = new ArrayList<>();
    for (Operation op : history.operations()) {
      operations.add(new Operation(shift(op.invocation(), offset), shift(op.completion(), offset)));
    }
    List<String> notes = new ArrayList<>();
    notes.add("a spec's group of real actors (seed " + seed + "): the order of events is one the actors took, not"
        + " replayable");
    return new RunRecord(title, "group", null, notes, nodes, true, events, Map.of(), Map.of(), List.of(), Map.of(),
        null).withHistory(operations, Map.of(), verdict == null ? null : verdict.forExplorer());
  }

  private static Op shift(Op op, long offset) {
    return op == null ? null : new Op(op.index(), op.process(), op.type(), op.f(), op.key(), op.value(),
        op.timeNanos() + offset, op.error());
  }
}

package dev.parley.testkit.sim;

import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The disk of one simulated event-sourced node: the events it persisted and its latest snapshot.
 * It survives the node's crashes (RAM lost, disk kept) and tells a restart where to resume.
 *
 * <p>Recovery does what Akka's does: start from the latest snapshot (or the empty state) and apply
 * the events persisted after it with the behavior's own event handler. The simulation reaches the
 * empty state and the handler through {@code emptyState()} and {@code eventHandler()}, the public
 * methods every Java {@code EventSourcedBehavior} declares; {@code UnpersistentBehavior} then
 * starts the restarted node from that state and sequence number.
 */
final class NodeJournal {

  /** Where a restarted node resumes: its state (null: the behavior's empty state) and sequence nr. */
  record Recovered(Object state, long sequenceNr) {}

  private record Entry(long sequenceNr, Object event) {}

  private final List<Entry> events = new ArrayList<>();
  private final List<Object> persisted = new ArrayList<>();
  private final List<Object> persistedView = Collections.unmodifiableList(persisted);
  private Object snapshot;
  private long snapshotSequenceNr;
  private long highestSequenceNr;

  void persisted(Object event, long sequenceNr) {
    events.add(new Entry(sequenceNr, event));
    persisted.add(event);
    highestSequenceNr = Math.max(highestSequenceNr, sequenceNr);
  }

  void snapshotted(Object state, long sequenceNr) {
    snapshot = state;
    snapshotSequenceNr = sequenceNr;
  }

  /** Every event persisted, oldest first: a live read-only view, which grows as the node persists. */
  List<Object> events() {
    return persistedView;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  Recovered recover(EventSourcedBehavior behavior) {
    if (highestSequenceNr == snapshotSequenceNr) {
      return new Recovered(snapshot, snapshotSequenceNr);
    }
    Object state = snapshot != null ? snapshot : behavior.emptyState();
    EventHandler handler = behavior.eventHandler();
    long seq = snapshotSequenceNr;
    for (Entry e : events) {
      if (e.sequenceNr() > snapshotSequenceNr) {
        state = handler.apply(state, e.event());
        seq = e.sequenceNr();
      }
    }
    return new Recovered(state, seq);
  }
}

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
 * <p>Each event and snapshot is forced from a virtual time on ({@link StorageFaults#unforcedFor});
 * a crash loses those not yet forced ({@link #loseUnforced}).
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

  /** An event, and the virtual time (nanoseconds) from which it is forced to the device. */
  private record Entry(long sequenceNr, Object event, long forcedAt) {}

  /** A snapshot, forced from {@code forcedAt}. */
  private record Snapshot(Object state, long sequenceNr, long forcedAt) {}

  private final List<Entry> events = new ArrayList<>();
  private final List<Snapshot> snapshots = new ArrayList<>();
  private final List<Object> persisted = new ArrayList<>();
  private final List<Object> persistedView = Collections.unmodifiableList(persisted);
  private Object snapshot;
  private long snapshotSequenceNr;
  private long highestSequenceNr;

  void persisted(Object event, long sequenceNr, long forcedAt) {
    events.add(new Entry(sequenceNr, event, forcedAt));
    persisted.add(event);
    highestSequenceNr = Math.max(highestSequenceNr, sequenceNr);
  }

  /** A snapshot taken at virtual time {@code now}; older ones superseded by a forced one go. */
  void snapshotted(Object state, long sequenceNr, long forcedAt, long now) {
    snapshots.add(new Snapshot(state, sequenceNr, forcedAt));
    int lastForced = -1;
    for (int i = 0; i < snapshots.size(); i++) {
      if (snapshots.get(i).forcedAt() <= now) {
        lastForced = i;
      }
    }
    if (lastForced > 0) {
      snapshots.subList(0, lastForced).clear();
    }
    snapshot = state;
    snapshotSequenceNr = sequenceNr;
  }

  /**
   * A power cut at virtual time {@code now}: events and snapshots not yet forced are lost. Returns
   * how many events were lost.
   */
  int loseUnforced(long now) {
    int before = events.size();
    events.removeIf(e -> e.forcedAt() > now);
    snapshots.removeIf(s -> s.forcedAt() > now);
    Snapshot latest = snapshots.isEmpty() ? null : snapshots.get(snapshots.size() - 1);
    snapshot = latest == null ? null : latest.state();
    snapshotSequenceNr = latest == null ? 0 : latest.sequenceNr();
    highestSequenceNr = Math.max(snapshotSequenceNr,
        events.isEmpty() ? 0 : events.get(events.size() - 1).sequenceNr());
    return before - events.size();
  }

  /**
   * Every event persisted, oldest first: a live read-only view, which grows as the node persists
   * (a power cut's lost tail stays in it: it is what the node wrote, not what recovery reads).
   */
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

package dev.parley.protocols.replication;

import static dev.parley.protocols.replication.PrimaryBackup.NEEDS_STATE;

import dev.parley.protocols.core.ChunkAssembler;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.replication.PrimaryBackup.Ack;
import dev.parley.protocols.replication.PrimaryBackup.Applied;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Event;
import dev.parley.protocols.replication.PrimaryBackup.Replicate;
import dev.parley.protocols.replication.PrimaryBackup.Snapshot;
import dev.parley.protocols.replication.PrimaryBackup.SnapshotReply;
import dev.parley.protocols.replication.PrimaryBackup.State;
import dev.parley.protocols.replication.PrimaryBackup.StateInstalled;
import dev.parley.protocols.replication.PrimaryBackup.ViewAdopted;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The backups' side of {@link PrimaryBackup} (whose head comment has the model, guarantees and
 * cost): a backup applies the primary's entries in sequence order, never past a gap, and
 * acknowledges how far it holds them; a node without the view's state says so ({@link
 * PrimaryBackup#NEEDS_STATE}) and is sent the state in chunks, which it assembles ({@link
 * ChunkAssembler}) and installs once whole. A message of an older view is answered with this
 * node's newer view, which deposes its sender.
 *
 * <p>Each step is split in two: what to journal ({@link #onReplicate}, {@link #onSnapshot}: the
 * events, or null when there is nothing to write), and what to answer once it is journaled ({@link
 * #replicated}, {@link #installed}), so that nothing is acknowledged before it is on disk.
 */
final class BackupRole {

  private final Peers<Command> peers;
  private final Supplier<PayloadCodec> codec;
  private final ChunkAssembler incoming = new ChunkAssembler();

  BackupRole(Peers<Command> peers, Supplier<PayloadCodec> codec) {
    this.peers = peers;
    this.codec = codec;
  }

  /** The events {@code m} adds to this node's journal; null if it is of an older view (answered). */
  List<Event> onReplicate(State state, Replicate m) {
    if (m.view() < state.view()) {
      peers.tell(m.primary(), new Ack(state.view(), self(), NEEDS_STATE));
      return null;
    }
    List<Event> events = new ArrayList<>();
    if (m.view() > state.view()) {
      events.add(new ViewAdopted(m.view(), m.primary()));
    }
    long seq = state.seq();
    if (state.installedView() == m.view() && m.firstSeq() <= seq + 1) {
      for (int i = 0; i < m.entries().size(); i++) {
        long entrySeq = m.firstSeq() + i;
        if (entrySeq == seq + 1) {
          events.add(new Applied(entrySeq, m.entries().get(i)));
          seq = entrySeq;
        }
      }
    }
    return events;
  }

  /** Once {@code m}'s events are journaled: acknowledges how far this node holds the view's entries. */
  void replicated(State after, Replicate m) {
    long held = after.installedView() == m.view() ? after.seq() : NEEDS_STATE;
    peers.tell(m.primary(), new Ack(m.view(), self(), held));
  }

  /**
   * A chunk of the primary's state: the events that install the state once the chunks complete it;
   * null while it is incomplete, already installed or of an older view (each answered).
   */
  List<Event> onSnapshot(State state, Snapshot m) {
    if (m.view() < state.view()) {
      peers.tell(m.primary(), new Ack(state.view(), self(), NEEDS_STATE));
      return null;
    }
    if (state.installedView() == m.view() && state.seq() >= m.seq()) {
      peers.tell(m.primary(), new SnapshotReply(m.view(), self(), m.seq(), m.chunk().total()));
      return null;
    }
    ChunkAssembler.Outcome outcome = incoming.accept(List.of(m.view(), m.primary(), m.seq()), m.chunk());
    if (outcome instanceof ChunkAssembler.Partial p) {
      peers.tell(m.primary(), new SnapshotReply(m.view(), self(), m.seq(), p.received()));
      return null;
    }
    KvStore store;
    try {
      store = (KvStore) codec.get().deserialize(((ChunkAssembler.Whole) outcome).payload());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("primary-backup node " + self() + " cannot read the state of view "
          + m.view() + " from " + m.primary() + ": " + e.getMessage(), e);
    }
    List<Event> events = new ArrayList<>();
    if (m.view() > state.view()) {
      events.add(new ViewAdopted(m.view(), m.primary()));
    }
    if (state.installedView() != m.view() || m.seq() > state.seq()) {
      events.add(new StateInstalled(m.view(), m.seq(), store));
    }
    return events;
  }

  /** Once the state of {@code m} is journaled: tells the primary it has the whole state, and how far it holds. */
  void installed(State after, Snapshot m) {
    peers.tell(m.primary(), new SnapshotReply(m.view(), self(), m.seq(), m.chunk().total()));
    peers.tell(m.primary(), new Ack(m.view(), self(), after.seq()));
  }

  private NodeId self() {
    return peers.self();
  }
}

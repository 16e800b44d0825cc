package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NetworkFaults;
import dev.parley.testkit.sim.SimEvent.ClientRequest;
import dev.parley.testkit.sim.SimEvent.Crash;
import dev.parley.testkit.sim.SimEvent.Delivery;
import dev.parley.testkit.sim.SimEvent.LocalMessage;
import dev.parley.testkit.sim.SimEvent.Nemesis;
import dev.parley.testkit.sim.SimEvent.Restart;
import dev.parley.testkit.sim.SimEvent.TimerFired;
import dev.parley.testkit.sim.SimEvent.WriteDone;
import dev.parley.testkit.sim.TraceEvent.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * The mechanics of a simulated group: its nodes, the agenda of pending events, the network, virtual
 * time, counts and trace. It applies one event at a time and turns what the nodes did into new
 * events ({@link SimNode.Host}); deciding which event comes next is the agenda's business, and
 * running, checking and reporting is {@link Simulation}'s.
 *
 * <p>A node's actions become events thus: a message to a peer gets its fate from the link's plan
 * now (copies, each with a delay, maybe garbled) and one delivery event per surviving copy; a
 * message to itself is due at once; a timer is due at its delay, periodic ones counting as idle.
 * Applying a delivery to a crashed node, or over a link cut since it was sent, drops it. A crash
 * cancels the node's self-messages and timers. While a node's journal write is under way ({@link
 * StorageFaults}), every event for it is held back until just after the write completes, in the
 * order they came (Akka stashes an event-sourced behavior's commands while it persists).
 */
final class World<C> {

  final List<NodeId> ids;
  final Map<NodeId, SimNode<C>> nodes = new HashMap<>();
  final List<SimNode<C>> byIndex = new ArrayList<>();
  final VirtualTime time = new VirtualTime();
  final VirtualClock clock;
  final Agenda agenda;
  final SimNetwork network;
  final SimStats stats;
  final Trace trace;
  private final boolean tracing;
  private final boolean hashHistories;
  private final long[] histories;
  private final long[] lastArrival;
  private long networkHistory;
  private final StorageFaults storage;
  private final Map<NodeId, StorageFaults> storageByNode;
  private final Random storageRandom;
  private final RunFilter filter;
  /** Events held back for a node that is writing, counted per write so they keep their order. */
  private final Map<NodeId, Integer> heldBack = new HashMap<>();
  /** The most bytes a message between nodes may take serialized (0: not measured). */
  private int maxMessageBytes;

  /**
   * A group of {@code ids} running {@code protocol}, links under {@code plan}; with {@code
   * exploring}, every input of every node is hashed for state fingerprints; with {@code fifoLinks},
   * each directed link delivers its messages in the order they were sent.
   */
  World(
      List<NodeId> ids,
      SimProtocol<C> protocol,
      long seed,
      FaultPlan plan,
      Instant origin,
      Agenda agenda,
      KitFactory kits,
      int keepLast,
      boolean tracing,
      boolean exploring,
      boolean fifoLinks,
      StorageFaults storage,
      Map<NodeId, StorageFaults> storageByNode,
      RunFilter filter) {
    this.ids = List.copyOf(ids);
    this.clock = new VirtualClock(origin, time);
    this.agenda = agenda;
    this.network =
        new SimNetwork(
            NetworkFaults.whole(new TreeSet<>(ids), plan), new Random(Hash64.mix(seed, 0x6e6574L)));
    this.stats = new SimStats(ids);
    this.trace = new Trace(keepLast, tracing);
    this.tracing = tracing;
    this.hashHistories = exploring;
    this.histories = new long[ids.size()];
    this.lastArrival = fifoLinks ? new long[ids.size() * ids.size()] : null;
    this.storage = storage;
    this.storageByNode = Map.copyOf(storageByNode);
    this.storageRandom = new Random(Hash64.mix(seed, 0x6a6f75726eL));
    this.filter = filter;
    Host host = new Host();
    for (int i = 0; i < ids.size(); i++) {
      NodeId id = ids.get(i);
      List<NodeId> targets = new ArrayList<>();
      for (NodeId to : ids) {
        if (!to.equals(id)) {
          targets.add(to);
        }
      }
      SimNode<C> node =
          new SimNode<>(id, i, protocol, targets.toArray(new NodeId[0]), host, clock, seed, kits);
      nodes.put(id, node);
      byIndex.add(node);
    }
  }

  /** Starts every node (its first incarnation), in id order. */
  void startAll() {
    for (SimNode<C> node : byIndex) {
      node.start();
    }
  }

  /** Applies {@code p}'s event, or holds it back if its node is writing. */
  void apply(Pending p) {
    SimNode<C> at = p.event.node() == null ? null : nodes.get(p.event.node());
    boolean forTheNode = !(p.event instanceof Crash || p.event instanceof Restart || p.event instanceof WriteDone);
    if (forTheNode && at != null && at.isUp() && at.isWriting()) {
      int n = heldBack.merge(at.id, 1, Integer::sum);
      Pending later = agenda.schedule(at.writeCompletesAt() + n, p.event, p.work);
      if (p.event instanceof TimerFired t) {
        at.timerPostponed(t.key(), later);
      }
      return;
    }
    apply(p.event);
  }

  private void apply(SimEvent event) {
    if (hashHistories) {
      remember(event);
    }
    if (event instanceof Delivery d) {
      SimNode<C> to = nodes.get(d.to());
      if (!to.isUp() || network.isCut(d.from(), d.to())) {
        stats.droppedOnArrival++;
        record(Kind.DROPPED, d.from(), d.to(), d.message());
      } else {
        stats.delivered(to.index, d.message());
        record(Kind.DELIVER, d.from(), d.to(), d.message());
        to.deliver(d.message());
      }
    } else if (event instanceof LocalMessage l) {
      stats.localMessages++;
      record(Kind.LOCAL, l.node(), l.node(), l.message());
      nodes.get(l.node()).deliver(l.message());
    } else if (event instanceof TimerFired t) {
      stats.timersFired++;
      record(Kind.TIMER, t.node(), t.node(), t.message());
      nodes.get(t.node()).fireTimer(t.key());
    } else if (event instanceof ClientRequest c) {
      applyClientRequest(c);
    } else if (event instanceof Nemesis n) {
      network.apply(n.command());
      record(Kind.NEMESIS, null, null, n.command());
    } else if (event instanceof Crash c) {
      crash(nodes.get(c.node()), Kind.CRASH);
    } else if (event instanceof WriteDone w) {
      SimNode<C> node = nodes.get(w.node());
      if (node.isUp() && node.incarnation() == w.incarnation() && node.isWriting()) {
        heldBack.remove(node.id);
        node.completeWrite();
      }
    } else if (event instanceof Restart r) {
      SimNode<C> node = nodes.get(r.node());
      crash(node, Kind.CRASH);
      record(Kind.RESTART, r.node(), null, "incarnation " + (node.incarnation() + 1));
      node.start();
    }
  }

  private void applyClientRequest(ClientRequest c) {
    SimNode<C> node = nodes.get(c.node());
    if (!node.isUp()) {
      stats.droppedOnArrival++;
      record(Kind.DROPPED, null, c.node(), c.message());
    } else {
      stats.clientRequests++;
      record(Kind.CLIENT, null, c.node(), c.message());
      node.deliver(c.message());
    }
  }

  /** The network loses the message of {@code p} (an exploration branch). */
  void lose(Pending p) {
    if (hashHistories) {
      networkHistory = Hash64.mix(networkHistory, Hash64.mix(Hash64.of(p.event), 0x6c6f7374L));
    }
    Delivery d = (Delivery) p.event;
    stats.lost++;
    record(Kind.LOST, d.from(), d.to(), d.message());
  }

  private void remember(SimEvent event) {
    long h = Hash64.mix(Hash64.of(event), time.nanos());
    NodeId at = event.node();
    if (at == null) {
      networkHistory = Hash64.mix(networkHistory, h);
    } else {
      int i = nodes.get(at).index;
      histories[i] = Hash64.mix(histories[i], h);
    }
  }

  /**
   * A fingerprint of the global state, sound for deterministic behaviors: for each node its
   * liveness, incarnation and the hash of every input it took in order (with virtual times), the
   * network's history, and {@code pendingHash} (the multiset of pending events).
   */
  long stateFingerprint(long pendingHash) {
    long h = Hash64.mix(networkHistory, pendingHash);
    for (SimNode<C> node : byIndex) {
      h = Hash64.mix(h, node.isUp() ? 1 : 2);
      h = Hash64.mix(h, node.incarnation());
      h = Hash64.mix(h, histories[node.index]);
    }
    return h;
  }

  private void crash(SimNode<C> node, Kind kind) {
    if (!node.isUp()) {
      return;
    }
    node.crash();
    NodeId id = node.id;
    agenda.cancelWhere(
        p ->
            (p.event instanceof LocalMessage l && l.node().equals(id))
                || (p.event instanceof TimerFired t && t.node().equals(id)));
    record(kind, id, null, "incarnation " + node.incarnation());
  }

  /** Every message between nodes from now on is serialized, and fails the run if over {@code bytes}. */
  void limitMessages(int bytes) {
    this.maxMessageBytes = bytes;
  }

  private void measure(NodeId from, NodeId to, Object message) {
    int size;
    try {
      size = SimSerialization.sizeOf(message);
    } catch (RuntimeException e) {
      throw new AssertionError(from + " sent " + to + " a " + message.getClass().getSimpleName() + " that does not "
          + "serialize, so it could not cross a cluster: " + e.getMessage(), e);
    }
    if (size > maxMessageBytes) {
      throw new AssertionError(from + " sent " + to + " a " + message.getClass().getSimpleName() + " of " + size
          + " bytes serialized, over the limit of " + maxMessageBytes + " bytes (Artery drops a message larger "
          + "than its frame, 262144 bytes unless configured): send it in pieces");
    }
  }

  void record(Kind kind, NodeId from, NodeId to, Object message) {
    trace.record(stats.steps + 1, time.nanos(), kind, from, to, message);
  }

  /** Where the nodes' actions become events. */
  private final class Host implements SimNode.Host {

    @Override
    public void send(NodeId from, NodeId to, Object message) {
      if (maxMessageBytes > 0) {
        measure(from, to, message);
      }
      stats.sent(nodes.get(from).index, message);
      record(Kind.SEND, from, to, message);
      List<FaultPlan.Delivery> copies = filter.fate(network.fate(from, to));
      if (copies.isEmpty()) {
        stats.lost++;
        record(Kind.LOST, from, to, message);
        return;
      }
      long now = time.nanos();
      for (int i = 0; i < copies.size(); i++) {
        FaultPlan.Delivery copy = copies.get(i);
        Object payload = message;
        if (copy.corrupted()) {
          payload = network.corrupt(message);
          if (payload == null) {
            stats.lost++;
            record(Kind.LOST, from, to, message);
            continue;
          }
          stats.corrupted++;
        }
        if (i > 0) {
          stats.duplicated++;
        }
        agenda.schedule(arrival(from, to, now + copy.delay().toNanos()), new Delivery(from, to, payload), true);
      }
    }

    /** When a copy due at {@code due} arrives: on FIFO links, strictly after the one sent before it. */
    private long arrival(NodeId from, NodeId to, long due) {
      if (lastArrival == null) {
        return due;
      }
      int link = nodes.get(from).index * ids.size() + nodes.get(to).index;
      long at = Math.max(due, lastArrival[link] + 1);
      lastArrival[link] = at;
      return at;
    }

    @Override
    public void local(NodeId node, Object message) {
      agenda.schedule(time.nanos(), new LocalMessage(node, message), true);
    }

    @Override
    public void upcall(NodeId node, Object message) {
      stats.upcalls++;
      record(Kind.UPCALL, node, null, message);
    }

    @Override
    public Pending startTimer(
        NodeId node, Object key, Object message, long delayNanos, boolean periodic) {
      return agenda.schedule(
          time.nanos() + delayNanos, new TimerFired(node, key, message), !periodic);
    }

    @Override
    public void cancel(Pending timer) {
      agenda.cancel(timer);
    }

    @Override
    public void persisted(NodeId node, Object what, long sequenceNr) {
      record(Kind.PERSIST, node, null, sequenceNr + " " + what);
    }

    @Override
    public long now() {
      return time.nanos();
    }

    @Override
    public StorageFaults storage(NodeId node) {
      return storageByNode.getOrDefault(node, storage);
    }

    @Override
    public Random storageRandom() {
      return storageRandom;
    }

    @Override
    public void writeStarted(NodeId node, long at) {
      agenda.schedule(at, new WriteDone(node, nodes.get(node).incarnation()), true);
    }

    @Override
    public void crashAfterWrite(NodeId node, Object event) {
      record(Kind.LOG, node, null, "crash point: the write of " + event + " reached the journal; the node"
          + " crashes before anything that waited for it");
      crash(nodes.get(node), Kind.CRASH);
    }

    @Override
    public void writeFailed(NodeId node) {
      SimNode<C> failed = nodes.get(node);
      crash(failed, Kind.STOP);
      agenda.schedule(time.nanos() + storage(node).restartAfter().toNanos(), new Restart(node), true);
    }

    @Override
    public void stopped(NodeId node) {
      crash(nodes.get(node), Kind.STOP);
    }

    @Override
    public boolean tracing() {
      return tracing;
    }

    @Override
    public void log(NodeId node, String line) {
      record(Kind.LOG, node, null, line);
    }
  }
}

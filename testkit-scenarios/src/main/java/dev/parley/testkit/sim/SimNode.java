package dev.parley.testkit.sim;

import akka.actor.testkit.typed.CapturedLogEvent;
import akka.actor.testkit.typed.Effect;
import akka.actor.testkit.typed.javadsl.BehaviorTestKit;
import akka.actor.testkit.typed.javadsl.TestInbox;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.testkit.javadsl.PersistenceEffect;
import akka.persistence.testkit.javadsl.PersistenceProbe;
import akka.persistence.testkit.javadsl.UnpersistentBehavior;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import scala.Product;
import scala.concurrent.duration.FiniteDuration;

/**
 * One simulated node: its protocol instance in Akka's {@link BehaviorTestKit}, run one message at a
 * time on the caller's thread, and everything it did made into simulation events.
 *
 * <p>Its peers are one {@link SimRef} per outgoing link, so every message it sends is known with its
 * sender and receiver; its listener is a {@code SimRef} too. After every message the node is
 * drained, in a fixed order: the kit's effects (timers started or cancelled), what an event-sourced
 * node persisted, the messages it sent itself, each outgoing link in node order, its upcalls, its
 * log. When its journal is slow or failing ({@link StorageFaults}), a step that persisted starts a
 * write instead: what the node did before the write goes out at once, the rest when the write
 * completes ({@link #completeWrite}), and nothing else reaches the node meanwhile (the world holds
 * its events, see {@link #isWriting}). BehaviorTestKit records timers as effects and never fires them; the node keeps
 * them by key (a restarted key replaces the old one) and the simulation fires them in virtual time.
 *
 * <p>A crash discards the kit: memory, timers and self-messages are gone. The upcall log (what the
 * world saw) and, for an event-sourced node, the {@link NodeJournal} survive it.
 */
final class SimNode<C> {

  /** Where a node's actions go: the simulation that schedules and traces them. */
  interface Host {
    void send(NodeId from, NodeId to, Object message);

    void local(NodeId node, Object message);

    void upcall(NodeId node, Object message);

    Pending startTimer(NodeId node, Object key, Object message, long delayNanos, boolean periodic);

    void cancel(Pending timer);

    void persisted(NodeId node, Object what, long sequenceNr);

    /** Virtual time now, in nanoseconds. */
    long now();

    /** The journal faults of {@code node}. */
    StorageFaults storage(NodeId node);

    /** The seeded source of the journals' random draws. */
    Random storageRandom();

    /** {@code node} started a write that completes at {@code at} (a {@code WriteDone} is due then). */
    void writeStarted(NodeId node, long at);

    /** {@code node} crashes as its write of {@code event} (and others) reached the journal. */
    void crashAfterWrite(NodeId node, Object event);

    /** {@code node}'s write failed: its behavior stops (the world restarts it later). */
    void writeFailed(NodeId node);

    void stopped(NodeId node);

    boolean tracing();

    void log(NodeId node, String line);
  }

  private static final class Timer {
    final Effect.TimerScheduled<?> scheduled;
    final long intervalNanos;
    final boolean periodic;
    Pending pending;

    Timer(Effect.TimerScheduled<?> scheduled, long intervalNanos, boolean periodic) {
      this.scheduled = scheduled;
      this.intervalNanos = intervalNanos;
      this.periodic = periodic;
    }
  }

  private static final Object SINGLE_MODE = Effect.timerScheduled().singleMode();

  final NodeId id;
  final int index;
  private final SimProtocol<C> protocol;
  private final Peers<C> peers;
  private final NodeId[] linkTargets;
  private final List<SimRef<C>> links = new ArrayList<>();
  private final SimRef<Object> upcallRef;
  private final Host host;
  private final Clock clock;
  private final long seed;
  private final KitFactory kits;
  private final NodeJournal journal = new NodeJournal();
  private final Map<Object, Timer> timers = new HashMap<>();
  private final List<Object> upcalls = new ArrayList<>();
  private final List<Object> upcallsView = Collections.unmodifiableList(upcalls);
  private BehaviorTestKit<C> kit;
  private TestInbox<C> self;
  private PersistenceProbe<Object> events;
  private PersistenceProbe<Object> snapshots;
  private int incarnation;
  /** The write under way, or null. */
  private Write write;
  /** A crash armed to land as a matching write completes ({@link #crashAfterWriting}), or null. */
  private Predicate<Object> crashPoint;

  /** What a slow or failing write holds back until it completes, and whether it will fail. */
  private static final class Write {
    final long completesAt;
    final boolean fails;
    final List<PersistenceEffect<Object>> events;
    final List<PersistenceEffect<Object>> snapshots;
    final List<Object> selfMessages = new ArrayList<>();
    final List<List<Object>> links = new ArrayList<>();
    final List<Object> upcalls = new ArrayList<>();

    Write(long completesAt, boolean fails, List<PersistenceEffect<Object>> events,
        List<PersistenceEffect<Object>> snapshots, int linkCount) {
      this.completesAt = completesAt;
      this.fails = fails;
      this.events = events;
      this.snapshots = snapshots;
      for (int i = 0; i < linkCount; i++) {
        links.add(new ArrayList<>());
      }
    }
  }

  SimNode(
      NodeId id,
      int index,
      SimProtocol<C> protocol,
      NodeId[] linkTargets,
      Host host,
      Clock clock,
      long seed,
      KitFactory kits) {
    this.id = id;
    this.index = index;
    this.protocol = protocol;
    this.linkTargets = linkTargets.clone();
    for (NodeId to : linkTargets) {
      links.add(new SimRef<>("link-" + id.name() + "-" + to.name(), this::persistedInThisStep));
    }
    this.upcallRef = new SimRef<>("upcalls-" + id.name(), this::persistedInThisStep);
    this.host = host;
    this.clock = clock;
    this.seed = seed;
    this.kits = kits;
    Map<NodeId, ActorRef<C>> refs = new HashMap<>();
    for (int i = 0; i < linkTargets.length; i++) {
      refs.put(linkTargets[i], links.get(i));
    }
    this.peers = Peers.of(id, refs);
  }

  boolean isUp() {
    return kit != null;
  }

  int incarnation() {
    return incarnation;
  }

  NodeJournal journal() {
    return journal;
  }

  List<Object> upcalls() {
    return upcallsView;
  }

  /** Starts a new incarnation from the factory, recovering the journal if event sourced. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  void start() {
    incarnation++;
    Random random = new Random(NodeEnv.mix(seed, id.name() + "/" + incarnation));
    NodeEnv env = new NodeEnv(id, clock, random, SimSerialization.CODEC);
    Behavior<C> behavior = protocol.create(peers, env, upcallRef);
    if (behavior == null) {
      throw new IllegalStateException("the protocol factory returned no behavior for " + id);
    }
    if (behavior instanceof EventSourcedBehavior) {
      behavior = unpersisted((EventSourcedBehavior) behavior);
    } else {
      Optional<Durable.Factory<C>> durable = Durable.factoryOf(behavior);
      if (durable.isPresent()) {
        Durable.Factory<C> factory = durable.get();
        behavior =
            Behaviors.setup(
                ctx -> Behaviors.withTimers(timers -> unpersisted(factory.create(ctx, timers))));
      }
    }
    try {
      kit = kits.start(behavior, id.name());
    } catch (RuntimeException e) {
      if (needsAnActorSystem(e)) {
        throw new IllegalStateException("node " + id + " " + NEEDS_AN_ACTOR_SYSTEM, e);
      }
      throw e;
    }
    self = kit.selfInbox();
    drain();
  }

  /** The behavior hosted with persistence emulated, recovered from this node's journal. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Behavior<C> unpersisted(EventSourcedBehavior behavior) {
    NodeJournal.Recovered from = journal.recover(behavior);
    UnpersistentBehavior<C, Object, Object> unpersistent =
        UnpersistentBehavior.fromEventSourced(behavior, from.state(), from.sequenceNr());
    events = unpersistent.getEventProbe();
    snapshots = unpersistent.getSnapshotProbe();
    return unpersistent.getBehavior();
  }

  /** Loses the instance: memory, timers and self-messages (the caller cancels their events). */
  void crash() {
    kit = null;
    self = null;
    events = null;
    snapshots = null;
    write = null;
    timers.clear();
    int lost = journal.loseUnforced(host.now());
    if (lost > 0) {
      host.log(id, "the crash lost the journal's unforced tail: " + lost + " events");
    }
  }

  /** Whether a write is under way: the node takes nothing until it completes. */
  boolean isWriting() {
    return write != null;
  }

  /** When the write under way completes (only while {@link #isWriting}). */
  long writeCompletesAt() {
    return write.completesAt;
  }

  /** The timer {@code key} was held back while the node wrote: it is now due as {@code pending}. */
  void timerPostponed(Object key, Pending pending) {
    Timer timer = timers.get(key);
    if (timer != null) {
      timer.pending = pending;
    }
  }

  /**
   * The write under way completes: its events reach the journal and what waited for it goes out;
   * or it fails, and the node's behavior stops with nothing of it kept.
   */
  void completeWrite() {
    Write w = write;
    write = null;
    if (w.fails) {
      host.log(id, "journal write failed: " + w.events.size() + " events not written; the behavior stops");
      host.writeFailed(id);
      return;
    }
    journalize(w.events, w.snapshots);
    if (crashPointFires(w.events)) {
      host.crashAfterWrite(id, w.events.get(0).persistedObject());
      return;
    }
    w.selfMessages.forEach(m -> host.local(id, m));
    for (int i = 0; i < linkTargets.length; i++) {
      for (Object m : w.links.get(i)) {
        host.send(id, linkTargets[i], m);
      }
    }
    w.upcalls.forEach(this::upcall);
  }

  /** Whether the node has persisted in the step under way (its probe is drained after each step). */
  private boolean persistedInThisStep() {
    return events != null && events.hasEffects();
  }

  /**
   * The node's answer to {@code query} (a status request made with a reply-to), asked out of band:
   * the query runs through the node's kit with a {@link TestInbox} as reply-to, and everything it
   * made the node do (effects, messages, upcalls, log) is discarded, so the run goes on as if it had
   * never been asked. Null if the node is down or did not answer. A query that persists, stops the
   * node or throws is a bug of the query (or of the protocol's answer), reported as such.
   */
  @SuppressWarnings("unchecked")
  Object query(Function<ActorRef<Object>, ?> query) {
    if (kit == null || !kit.isAlive()) {
      return null;
    }
    TestInbox<Object> inbox = TestInbox.create();
    Object ask = query.apply(inbox.getRef());
    try {
      kit.run((C) ask);
    } catch (RuntimeException e) {
      throw new IllegalStateException("node " + id + " threw " + e + " when asked the state query " + ask
          + " (Simulation.Builder.states): a state query must only answer", e);
    }
    kit.getAllEffects();
    kit.clearLog();
    self.getAllReceived();
    links.forEach(SimRef::take);
    upcallRef.take();
    boolean persisted = (events != null && !events.drain().isEmpty())
        || (snapshots != null && !snapshots.drain().isEmpty());
    if (persisted || !kit.isAlive()) {
      throw new IllegalStateException("node " + id + (persisted ? " persisted" : " stopped")
          + " when asked the state query " + ask + " (Simulation.Builder.states): a state query must only"
          + " answer, or the run it watches changes");
    }
    List<Object> answers = inbox.getAllReceived();
    return answers.isEmpty() ? null : answers.get(answers.size() - 1);
  }

  @SuppressWarnings("unchecked")
  void deliver(Object message) {
    kit.run((C) message);
    drain();
  }

  /** Fires timer {@code key}, as the kit's own timer would; a periodic one is armed again. */
  void fireTimer(Object key) {
    Timer timer = timers.get(key);
    if (!timer.periodic) {
      timers.remove(key);
    }
    timer.scheduled.send().apply();
    kit.runOne();
    drain();
    if (timer.periodic && kit != null && timers.get(key) == timer) {
      timer.pending =
          host.startTimer(id, key, timer.scheduled.msg(), timer.intervalNanos, true);
    }
  }

  private static final String NEEDS_AN_ACTOR_SYSTEM =
      "could not start: its behavior needs what the simulation's stub actor system does not have (a "
          + "classic context, an Akka extension, the scheduler, streams). Most often that is an "
          + "EventSourcedBehavior wrapped in another behavior (Behaviors.setup, withTimers, ...): the "
          + "simulation hosts an event-sourced node when the factory returns the EventSourcedBehavior "
          + "itself, or Durable.of((context, timers) -> ...) when it needs its context or timers";

  /**
   * Whether starting failed for want of a real actor system: Akka's stub throws {@link
   * UnsupportedOperationException} for what it does not have, as when an event-sourced behavior the
   * simulation did not find (hidden inside another) asks for its classic context.
   */
  private static boolean needsAnActorSystem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnsupportedOperationException) {
        return true;
      }
    }
    return false;
  }

  private void drain() {
    while (kit.hasEffects()) {
      onEffect(kit.getEffect());
    }
    List<PersistenceEffect<Object>> written = events == null ? List.of() : events.drain();
    List<PersistenceEffect<Object>> snapshotted = snapshots == null ? List.of() : snapshots.drain();
    StorageFaults storage = host.storage(id);
    if ((!written.isEmpty() || !snapshotted.isEmpty()) && storage.defersWrites()) {
      startWrite(storage, written, snapshotted);
    } else if (crashPointFires(written)) {
      holdBack(host.now(), false, written, snapshotted);
      journalize(written, snapshotted);
      host.crashAfterWrite(id, written.get(0).persistedObject());
      return;
    } else {
      journalize(written, snapshotted);
      emitAll();
    }
    if (host.tracing()) {
      for (CapturedLogEvent e : kit.getAllLogEntries()) {
        host.log(id, e.level() + " " + e.message());
      }
    }
    kit.clearLog();
    if (!kit.isAlive()) {
      host.stopped(id);
    }
  }

  /** Everything the step did goes out now: messages to itself, each link in node order, upcalls. */
  private void emitAll() {
    while (self.hasMessages()) {
      host.local(id, self.receiveMessage());
    }
    for (int i = 0; i < linkTargets.length; i++) {
      for (SimRef.Told t : links.get(i).take()) {
        host.send(id, linkTargets[i], t.message());
      }
    }
    for (SimRef.Told t : upcallRef.take()) {
      upcall(t.message());
    }
  }

  /** A slow or failing write: what the step did before it goes out now, the rest waits for it. */
  private void startWrite(StorageFaults storage, List<PersistenceEffect<Object>> written,
      List<PersistenceEffect<Object>> snapshotted) {
    Random random = host.storageRandom();
    long completesAt = host.now() + storage.writeDelay().sample(random).toNanos();
    boolean fails = storage.failRate() > 0 && random.nextDouble() < storage.failRate();
    write = holdBack(completesAt, fails, written, snapshotted);
    host.writeStarted(id, completesAt);
  }

  /** Sends what the step did before its write now, and returns the write with the rest held back. */
  private Write holdBack(long completesAt, boolean fails, List<PersistenceEffect<Object>> written,
      List<PersistenceEffect<Object>> snapshotted) {
    Write w = new Write(completesAt, fails, written, snapshotted, linkTargets.length);
    while (self.hasMessages()) {
      w.selfMessages.add(self.receiveMessage());
    }
    for (int i = 0; i < linkTargets.length; i++) {
      for (SimRef.Told t : links.get(i).take()) {
        if (t.afterWrite()) {
          w.links.get(i).add(t.message());
        } else {
          host.send(id, linkTargets[i], t.message());
        }
      }
    }
    for (SimRef.Told t : upcallRef.take()) {
      if (t.afterWrite()) {
        w.upcalls.add(t.message());
      } else {
        upcall(t.message());
      }
    }
    return w;
  }

  /**
   * Arms a crash point: the next write holding an event that {@code matches} reaches the journal,
   * and the node crashes right then, before anything that waited for the write happens.
   */
  void crashAfterWriting(Predicate<Object> matches) {
    crashPoint = matches;
  }

  /** Whether the armed crash point fires on {@code written} (it is then disarmed). */
  private boolean crashPointFires(List<PersistenceEffect<Object>> written) {
    if (crashPoint == null || written.stream().noneMatch(e -> crashPoint.test(e.persistedObject()))) {
      return false;
    }
    crashPoint = null;
    return true;
  }

  private void upcall(Object u) {
    upcalls.add(u);
    host.upcall(id, u);
  }

  /** The events and snapshots reach the journal now, forced after the storage's unforced window. */
  private void journalize(List<PersistenceEffect<Object>> written, List<PersistenceEffect<Object>> snapshotted) {
    long now = host.now();
    long forcedAt = now + host.storage(id).unforcedFor().toNanos();
    for (PersistenceEffect<Object> e : written) {
      journal.persisted(e.persistedObject(), e.sequenceNr(), forcedAt);
      host.persisted(id, e.persistedObject(), e.sequenceNr());
    }
    for (PersistenceEffect<Object> s : snapshotted) {
      journal.snapshotted(s.persistedObject(), s.sequenceNr(), forcedAt, now);
      host.persisted(id, "snapshot " + s.persistedObject(), s.sequenceNr());
    }
  }

  private void onEffect(Effect effect) {
    if (effect instanceof Effect.TimerScheduled<?> t) {
      startTimer(t);
    } else if (effect instanceof Effect.TimerCancelled c) {
      Timer old = timers.remove(c.key());
      if (old != null) {
        host.cancel(old.pending);
      }
    } else if (effect instanceof Effect.ReceiveTimeoutSet<?>
        || effect instanceof Effect.Scheduled<?>
        || effect instanceof Effect.AskInitiated<?, ?, ?>) {
      throw new UnsupportedOperationException(
          "node "
              + id
              + " used "
              + effect
              + ", which the simulation does not run: Parley protocols use only tell, timers "
              + "(Behaviors.withTimers) and message adapters (docs/writing-protocols.md)");
    } else if (effect instanceof Effect.Spawned<?> || effect instanceof Effect.SpawnedAnonymous<?>) {
      throw new UnsupportedOperationException(
          "node "
              + id
              + " spawned a child actor ("
              + effect
              + "); the simulation hosts one actor per node and would never run the child. "
              + "Compose layers inside one behavior, or give the child's role to the simulation "
              + "(its links already drop, delay, duplicate and partition)");
    }
  }

  private void startTimer(Effect.TimerScheduled<?> t) {
    boolean periodic = t.mode() != SINGLE_MODE;
    long interval = t.duration().toNanos();
    long first = interval;
    if (periodic
        && t.mode() instanceof Product p
        && p.productArity() == 1
        && p.productElement(0) instanceof FiniteDuration initial) {
      first = initial.toNanos();
    }
    Timer timer = new Timer(t, interval, periodic);
    Timer old = timers.put(t.key(), timer);
    if (old != null) {
      host.cancel(old.pending);
    }
    timer.pending = host.startTimer(id, t.key(), t.msg(), first, periodic);
  }
}

package dev.parley.testkit.group;

import akka.actor.AbstractExtensionId;
import akka.actor.ActorSystem;
import akka.actor.ExtendedActorSystem;
import akka.actor.Extension;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.AtomicWrite;
import akka.persistence.PersistentRepr;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.sim.StorageFaults;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The disks of a {@link LocalGroup} with storage faults, one {@link NodeDisk} per node, and the map
 * from persistence ids to the nodes that own them: what {@link FaultyJournal}, the group's Akka
 * journal, reads and writes. One per actor system (an Akka extension): a group with storage faults
 * runs in an actor system of its own.
 *
 * <p>Which node a persistence id belongs to is learned when the node's instance is made ({@link
 * #track}): its behavior is an {@link EventSourcedBehavior}, or a {@link Durable#of} behavior (the
 * form Parley's durable protocols take), whose persistence id is read as it is made. A write to a
 * persistence id no node owns (an event-sourced behavior hidden inside another behavior) is refused
 * and reported ({@link #problems}), never silently written without the faults the spec asked for.
 *
 * <p>Thread safety: every method may be called from any thread (the journal's, the scheduler's,
 * the test's); the disks are changed under this object's lock, futures completed outside it.
 */
final class GroupStorage implements Extension {

  /** The storage of an actor system. */
  static final class Id extends AbstractExtensionId<GroupStorage> {
    static final Id INSTANCE = new Id();

    @Override
    public GroupStorage createExtension(ExtendedActorSystem system) {
      return new GroupStorage(system);
    }
  }

  /** A write refused or failed by a storage fault: Akka's persist fails with it. */
  static final class StorageFault extends RuntimeException {
    StorageFault(String message) {
      super(message, null, false, false);
    }
  }

  private final ActorSystem system;
  private final Map<NodeId, NodeDisk> disks = new TreeMap<>();
  private final Map<String, NodeId> owners = new HashMap<>();
  private final List<String> problems = new ArrayList<>();
  private Consumer<NodeId> onWriteFailed = node -> {};

  private GroupStorage(ActorSystem system) {
    this.system = system;
  }

  /** The storage of {@code system}. */
  static GroupStorage of(ActorSystem system) {
    return Id.INSTANCE.get(system);
  }

  /**
   * Gives each node its disk with its faults, drawing from a random seeded by {@code seed} and the
   * node; {@code onWriteFailed} hears of every failed write (the group crashes and later restarts
   * the node, as the simulation does).
   */
  synchronized void configure(Map<NodeId, StorageFaults> faults, long seed, Consumer<NodeId> onWriteFailed) {
    faults.forEach((node, f) -> disks.put(node, new NodeDisk(f, NodeEnv.mix(seed, "journal-" + node.name()))));
    this.onWriteFailed = onWriteFailed;
  }

  /**
   * {@code behavior}, the instance {@code node} starts, with its persistence id recorded as {@code
   * node}'s when it is event sourced (directly, through {@link Durable#of}, or as the child of a
   * {@link Durable#fronted} front); any other behavior
   * is returned as it is.
   */
  @SuppressWarnings("unchecked")
  <C> Behavior<C> track(NodeId node, Behavior<C> behavior) {
    if (behavior instanceof EventSourcedBehavior<?, ?, ?> esb) {
      own(esb.persistenceId().id(), node);
      return behavior;
    }
    Optional<Durable.Front<C, ?>> front = Durable.frontOf(behavior);
    if (front.isPresent()) {
      return aroundTracked(node, front.get());
    }
    Optional<Durable.Factory<C>> factory = Durable.factoryOf(behavior);
    if (factory.isEmpty()) {
      return behavior;
    }
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      EventSourcedBehavior<C, ?, ?> made = factory.get().create(context, timers);
      own(made.persistenceId().id(), node);
      return made;
    }));
  }

  /** A front ({@link Durable#fronted}) made around its event-sourced child as tracked here. */
  private <C, I> Behavior<C> aroundTracked(NodeId node, Durable.Front<C, I> front) {
    return front.around().apply(track(node, front.journaled()));
  }

  private synchronized void own(String persistenceId, NodeId node) {
    NodeId before = owners.putIfAbsent(persistenceId, node);
    if (before != null && !before.equals(node)) {
      problems.add("persistence id " + persistenceId + " is used by both " + before + " and " + node
          + ": each node of a group needs journals of its own (put the node's name in the persistence id)");
    }
  }

  /** Every problem found so far (a write no node owns, a persistence id shared by two nodes). */
  synchronized List<String> problems() {
    return List.copyOf(problems);
  }

  /** What {@code node}'s journal holds and what its faults did so far. */
  synchronized JournalStats stats(NodeId node) {
    NodeDisk disk = disks.get(node);
    return disk == null ? JournalStats.EMPTY : disk.stats();
  }

  /**
   * Writes {@code batch} (one journal call: the atomic writes of one persistence id): completes
   * after the owning node's write delay, or fails as its faults decide.
   */
  CompletionStage<Void> write(Iterable<AtomicWrite> batch) {
    List<PersistentRepr> events = new ArrayList<>();
    for (AtomicWrite w : batch) {
      events.addAll(CollectionConverters.asJava(w.payload()));
    }
    if (events.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String persistenceId = events.get(0).persistenceId();
    NodeId node;
    NodeDisk disk;
    NodeDisk.Write write;
    synchronized (this) {
      node = owners.get(persistenceId);
      if (node == null || !disks.containsKey(node)) {
        String problem = "a write to persistence id " + persistenceId + ", which belongs to no node of the group:"
            + " a group with storage faults finds a node's persistence id when its factory returns the"
            + " EventSourcedBehavior itself or a Durable.of(...) behavior, not one wrapped in another behavior";
        problems.add(problem);
        return CompletableFuture.failedFuture(new StorageFault(problem));
      }
      disk = disks.get(node);
      if (disk.fromCrashedIncarnation(events)) {
        return CompletableFuture.failedFuture(new StorageFault(
            "a write of an incarnation of " + node + " that crashed: lost"));
      }
      write = disk.start(persistenceId, events);
      if (write.delay().isZero() && !write.fails()) {
        disk.complete(write, System.nanoTime());
        return CompletableFuture.completedFuture(null);
      }
    }
    system.scheduler().scheduleOnce(write.delay(), () -> finish(node, disk, write), system.dispatcher());
    return write.done();
  }

  private void finish(NodeId node, NodeDisk disk, NodeDisk.Write write) {
    synchronized (this) {
      if (!disk.complete(write, System.nanoTime())) {
        return; // a crash lost it
      }
    }
    if (write.fails()) {
      write.done().completeExceptionally(new StorageFault("injected journal failure: a write of " + node
          + " (" + write.events().size() + " events of " + write.persistenceId() + ") failed"));
      onWriteFailed.accept(node);
    } else {
      write.done().complete(null);
    }
  }

  /**
   * {@code node} crashes now: its writes under way are lost (their futures fail, so the incarnation
   * never acts on them), its unforced events are lost, and its current incarnation writes no more.
   */
  void crash(NodeId node) {
    List<NodeDisk.Write> lost;
    synchronized (this) {
      NodeDisk disk = disks.get(node);
      if (disk == null) {
        return;
      }
      lost = disk.crash(System.nanoTime());
    }
    for (NodeDisk.Write w : lost) {
      w.done().completeExceptionally(new StorageFault("a write of " + node + " under way when it crashed: lost"));
    }
  }

  /** The events of {@code persistenceId} in [from, to], at most {@code max}, oldest first. */
  synchronized List<PersistentRepr> read(String persistenceId, long from, long to, long max) {
    NodeDisk disk = diskOf(persistenceId);
    return disk == null ? List.of() : disk.read(persistenceId, from, to, max);
  }

  /** The highest sequence number {@code persistenceId} has written (0 if none). */
  synchronized long highest(String persistenceId) {
    NodeDisk disk = diskOf(persistenceId);
    return disk == null ? 0 : disk.highest(persistenceId);
  }

  /** Deletes the events of {@code persistenceId} up to {@code to}. */
  synchronized void delete(String persistenceId, long to) {
    NodeDisk disk = diskOf(persistenceId);
    if (disk != null) {
      disk.delete(persistenceId, to);
    }
  }

  private NodeDisk diskOf(String persistenceId) {
    NodeId node = owners.get(persistenceId);
    return node == null ? null : disks.get(node);
  }
}

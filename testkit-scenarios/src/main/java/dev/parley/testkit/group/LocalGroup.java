package dev.parley.testkit.group;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeHost;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.Spawner;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.LinkStack;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.link.Network;
import dev.parley.protocols.link.NetworkFaults;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.trace.RunRecord;
import dev.parley.protocols.trace.StampedEvent;
import dev.parley.protocols.trace.Tracer;
import dev.parley.protocols.trace.TracingLink;
import dev.parley.testkit.checker.Verdict;
import dev.parley.testkit.sim.StorageFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * N nodes of one protocol in one JVM, every directed link wrapped by a {@link LinkStack} whose
 * fault-injecting links answer to one {@link Network} (the nemesis handle), every upcall recorded
 * in an {@link UpcallLog}, clients' operations in a {@link HistoryRecorder}, and, when built {@code
 * traced()}, every message in a trace. Made by {@code ParleyTestKit.group(...)}; closed after each test.
 *
 * <pre>{@code
 * var group = parley.group(5, LinkStack.faulty().reliable(),
 *     (peers, env, upcalls) -> CausalMulticast.create(peers, upcalls.narrow()));
 * group.tell(NodeId.n(1), new CausalMulticast.Multicast("hello"));
 * group.nemesis(NemesisCommand.Partition.parse("n1,n2/n3,n4,n5"));
 * group.await(Duration.ofSeconds(5), () -> assertThat(group.upcalls().of(Delivered.class)).hasSize(5));
 * }</pre>
 *
 * <p>Storage faults ({@link Builder#storage(StorageFaults)}): a group built with them runs in an
 * actor system of its own whose journal is {@link FaultyJournal}, in memory, where each node's
 * writes are slow, fail, or stay unforced as its {@link StorageFaults} say (the same record, and the
 * same meaning, as in the simulation). A write completes after its delay (drawn from a random seeded
 * by the group's seed and the node); a failed write fails Akka's persist, so the node's
 * event-sourced behavior stops, as Akka stops it; the group then crashes the node and restarts it
 * {@link StorageFaults#restartAfter} later (its {@code NodeHost} would also restart it, after
 * {@link dev.parley.protocols.core.RestartBackoff}'s delay; the group's crash cancels that, so the
 * delay is exactly {@code restartAfter}, as in the simulation), and it recovers its journal. {@link #crash} loses the
 * node's writes under way (the crashed incarnation never hears of them) and its events not yet
 * forced. A node's journal is found when its factory returns the {@code EventSourcedBehavior} itself
 * or a {@code Durable.of(...)} behavior ({@link GroupStorage}); {@link #journal} tells what it did.
 * The group's own actor system shares the JVM with the spec's kit: probes of the spec's kit talk
 * to its nodes as usual. Cost: an actor system started and stopped per group (well under a
 * second); Akka confirms journal writes in the order they started, so with several durable nodes a
 * slow write of one also holds back the confirmations of writes the others started after it.
 * Without storage faults a group journals to the spec's kit (Akka's persistence testkit), and a
 * crash loses nothing persisted.
 *
 * @param <C> the protocol's message type
 */
public final class LocalGroup<C> implements AutoCloseable {

  /** How each node's protocol instance is made: its peers, its environment, where upcalls go. */
  @FunctionalInterface
  public interface Factory<C> {
    Behavior<C> create(Peers<C> peers, NodeEnv env, ActorRef<Object> upcalls);
  }

  private static final AtomicInteger GROUPS = new AtomicInteger();
  private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(10);

  private final ActorTestKit kit;
  /** The kit of the group's own actor system (storage faults), closed with the group; else null. */
  private final ActorTestKit ownKit;
  /** The nodes' disks (storage faults), else null. */
  private final GroupStorage storage;
  private final Map<NodeId, StorageFaults> storageFaults;
  private final ActorRef<SpawnProtocol.Command> root;
  private final SortedMap<NodeId, ActorRef<Object>> hosts = new TreeMap<>();
  /** Where links deliver at each node: its host, behind the receiving end of tracing if traced. */
  private final Map<NodeId, ActorRef<Object>> inbound = new TreeMap<>();
  private final Network network;
  private final UpcallLog upcalls = new UpcallLog(System::nanoTime);
  private final HistoryRecorder history = new HistoryRecorder(System::nanoTime);
  private final long seed;
  private final Tracer tracer;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A group in the making: its size, links, faults and seed. */
  public static final class Builder {
    private final ActorTestKit kit;
    private final java.util.function.Consumer<LocalGroup<?>> onStart;
    private final List<NodeId> nodes;
    private LinkStack links = LinkStack.faulty();
    private FaultPlan faults = FaultPlan.NONE;
    private long seed;
    private boolean traced;
    private StorageFaults storage = StorageFaults.NONE;
    private final Map<NodeId, StorageFaults> storageByNode = new HashMap<>();

    /** A group of {@code nodes} on {@code kit}; {@code onStart} sees every group started. */
    public Builder(
        ActorTestKit kit, List<NodeId> nodes, long seed, java.util.function.Consumer<LocalGroup<?>> onStart) {
      this.kit = kit;
      this.nodes = List.copyOf(nodes);
      this.seed = seed;
      this.onStart = onStart;
    }

    /** The layers on every directed link (default: a bare fault-injecting link). */
    public Builder links(LinkStack stack) {
      this.links = stack;
      return this;
    }

    /** The plan every link starts with (default: no faults). */
    public Builder faults(FaultPlan plan) {
      this.faults = plan;
      return this;
    }

    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /**
     * Records every send, receive and upcall with vector timestamps ({@link LocalGroup#trace()}),
     * for a ShiViz log or a space-time diagram.
     */
    public Builder traced() {
      this.traced = true;
      return this;
    }

    /**
     * What every node's journal does wrong (default: {@link StorageFaults#NONE}); as in the
     * simulation. Delays run in real time, rounded up to the scheduler's tick (10 ms by default).
     */
    public Builder storage(StorageFaults faults) {
      this.storage = FaultyJournal.requireWithinCallTimeout(faults);
      return this;
    }

    /** What {@code node}'s journal does wrong, instead of what {@link #storage(StorageFaults)} says. */
    public Builder storage(NodeId node, StorageFaults faults) {
      if (!nodes.contains(node)) {
        throw new IllegalArgumentException("no node " + node + " in this group (its nodes: " + nodes
            + "): give storage faults to one of them, or storage(faults) for all");
      }
      storageByNode.put(node, FaultyJournal.requireWithinCallTimeout(faults));
      return this;
    }

    /** Each node's storage faults, or an empty map if no node has any. */
    private Map<NodeId, StorageFaults> storagePlan() {
      Map<NodeId, StorageFaults> plan = new TreeMap<>();
      for (NodeId node : nodes) {
        plan.put(node, storageByNode.getOrDefault(node, storage));
      }
      return plan.values().stream().allMatch(StorageFaults.NONE::equals) ? Map.of() : plan;
    }

    /** Starts the group: every node's instance from {@code factory}. */
    public <C> LocalGroup<C> start(Factory<C> factory) {
      LocalGroup<C> group = new LocalGroup<>(kit, nodes, links, faults, seed, traced, storagePlan(), factory);
      onStart.accept(group);
      return group;
    }
  }

  private LocalGroup(
      ActorTestKit kit,
      List<NodeId> nodes,
      LinkStack links,
      FaultPlan faults,
      long seed,
      boolean traced,
      Map<NodeId, StorageFaults> storageFaults,
      Factory<C> factory) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a group needs at least one node");
    }
    int number = GROUPS.incrementAndGet();
    this.storageFaults = storageFaults;
    if (storageFaults.isEmpty()) {
      this.ownKit = null;
      this.storage = null;
      this.kit = kit;
    } else {
      this.ownKit = ActorTestKit.create("parley-group-" + number,
          FaultyJournal.config().withFallback(kit.system().settings().config()));
      this.storage = GroupStorage.of(Adapter.toClassic(ownKit.system()));
      storage.configure(storageFaults, seed, this::writeFailed);
      this.kit = ownKit;
    }
    this.seed = seed;
    this.tracer = traced ? new Tracer(System::nanoTime) : null;
    this.root = this.kit.spawn(SpawnProtocol.create(), "group-" + number);
    this.network = new Network(new java.util.TreeSet<>(nodes), faults);
    Spawner spawner = this::spawn;
    for (NodeId node : nodes) {
      ActorRef<Object> recorder =
          spawn(
              Behaviors.receive(Object.class)
                  .onAnyMessage(
                      m -> {
                        upcalls.record(node, m);
                        if (tracer != null) {
                          tracer.upcall(node, m);
                        }
                        return Behaviors.same();
                      })
                  .build(),
              "upcalls-" + node);
      NodeEnv env = NodeEnv.seeded(node, seed);
      hosts.put(
          node,
          spawn(
              NodeHost.create(env, (Peers<C> peers, NodeEnv e) -> journaled(node, factory.create(peers, e, recorder))),
              "node-" + node));
      inbound.put(node, tracer == null ? hosts.get(node)
          : spawn(TracingLink.receiver(tracer, node, hosts.get(node)), "trace-in-" + node));
    }
    for (NodeId from : nodes) {
      Map<NodeId, ActorRef<C>> others = new TreeMap<>();
      for (NodeId to : nodes) {
        if (!from.equals(to)) {
          others.put(to, connect(spawner, links, from, to).narrow());
        }
      }
      hosts.get(from).tell(new NodeHost.Start(Peers.of(from, others)));
    }
  }

  /** The instance {@code node} starts, its journal known to the group's storage if it has faults. */
  private Behavior<C> journaled(NodeId node, Behavior<C> instance) {
    return storage == null ? instance : storage.track(node, instance);
  }

  /** A write of {@code node} failed: it crashed (Akka stopped it) and restarts later. */
  private void writeFailed(NodeId node) {
    if (closed.get()) {
      return;
    }
    crash(node);
    kit.system().scheduler().scheduleOnce(storageFaults.get(node).restartAfter(), () -> restart(node),
        kit.system().executionContext());
  }

  private ActorRef<Object> connect(Spawner spawner, LinkStack links, NodeId from, NodeId to) {
    if (tracer == null) {
      return links.connect(spawner, network, from, to, inbound.get(to), seed);
    }
    ActorRef<Object> stack = links.connect(spawner, network, from, to, inbound.get(to), seed);
    return spawn(TracingLink.sender(tracer, from, to, stack), "trace-" + from + "-" + to);
  }

  private <T> ActorRef<T> spawn(Behavior<T> behavior, String name) {
    return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(
            root,
            replyTo -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), replyTo),
            SPAWN_TIMEOUT,
            kit.scheduler())
        .toCompletableFuture()
        .join();
  }

  /** The members, in id order. */
  public List<NodeId> nodes() {
    return new ArrayList<>(hosts.keySet());
  }

  /** The address of {@code node}'s protocol instance (its host), for client downcalls. */
  public ActorRef<C> node(NodeId node) {
    ActorRef<Object> host = hosts.get(node);
    if (host == null) {
      throw new IllegalArgumentException("unknown node " + node + "; the members are " + hosts.keySet());
    }
    return host.narrow();
  }

  /** Sends a downcall to {@code node}'s protocol instance. */
  public void tell(NodeId node, C message) {
    node(node).tell(message);
  }

  /** The nemesis handle: partition, heal, lossy, slow. */
  public Network network() {
    return network;
  }

  /** Applies a nemesis command to every link of the group. */
  public NetworkFaults nemesis(NemesisCommand command) {
    return network.apply(command);
  }

  /**
   * Crash-stops {@code node}'s instance: its memory is lost and its traffic dropped. With storage
   * faults, the crash is a power cut too: the node's writes under way and its unforced events are
   * lost.
   */
  public void crash(NodeId node) {
    requireMember(node);
    if (storage != null) {
      storage.crash(node);
    }
    hosts.get(node).tell(new NodeHost.Crash());
  }

  /** Starts a fresh instance on {@code node} after a crash (it recovers what it had persisted). */
  public void restart(NodeId node) {
    hosts.get(requireMember(node)).tell(new NodeHost.Restart());
  }

  /** Every upcall raised so far. */
  public UpcallLog upcalls() {
    return upcalls;
  }

  /** The recorder of the clients' operations on this group (invoke / ok / fail / info). */
  public HistoryRecorder history() {
    return history;
  }

  /** Every traced event so far; empty unless the group was built {@code traced()}. */
  public List<StampedEvent> trace() {
    return tracer == null ? List.of() : tracer.events();
  }

  /**
   * The run so far as the explorer shows it ({@code source: group}, wall time): every traced event
   * and the clients' operations of {@link #history()}. Needs a group built {@code traced()}. Add
   * each node's state with {@code withStates(group.states(...))}; write it with {@code
   * ExplorerRuns.write}.
   */
  public RunRecord record(String title) {
    return record(title, null);
  }

  /** {@link #record(String)} with a checker's {@code verdict} on the group's history (or null). */
  public RunRecord record(String title, Verdict verdict) {
    if (tracer == null) {
      throw new IllegalStateException("recording a group's run for the explorer needs its trace: build the group"
          + " with traced() (parley.group(...).traced().start(...))");
    }
    return GroupRecording.record(title, nodes(), tracer.events(), history.history(), verdict, seed);
  }

  /**
   * Each node's answer to {@code query} (a status request made from a reply-to, such as {@code
   * LockServer.GetStatus::new}), asked now through the spec's kit; a node that does not answer
   * within {@code timeout} (crashed, busy) is left out. For {@link RunRecord#withStates}.
   */
  public <S> Map<NodeId, Object> states(Function<ActorRef<S>, ? extends C> query, Duration timeout) {
    Map<NodeId, Object> out = new TreeMap<>();
    for (NodeId node : nodes()) {
      TestProbe<S> probe = kit.createTestProbe();
      tell(node, query.apply(probe.getRef()));
      try {
        out.put(node, probe.receiveMessage(timeout));
      } catch (AssertionError silent) {
        // no answer in time: the node has no state in the record
      } finally {
        probe.stop();
      }
    }
    return out;
  }

  /**
   * What {@code node}'s journal did so far and holds now; only a group built with storage faults
   * keeps this (else every figure is zero).
   */
  public JournalStats journal(NodeId node) {
    requireMember(node);
    return storage == null ? JournalStats.EMPTY : storage.stats(node);
  }

  /** The seed this group's links draw their faults from. */
  public long seed() {
    return seed;
  }

  /**
   * Retries {@code assertion} until it passes or {@code max} is up (then its failure is thrown). A
   * problem the group's storage found (a write it cannot attribute to a node) fails it instead.
   */
  public void await(Duration max, Runnable assertion) {
    requireNoStorageProblem();
    TestProbe<Object> probe = kit.createTestProbe();
    probe.awaitAssert(
        max,
        Duration.ofMillis(20),
        () -> {
          requireNoStorageProblem();
          assertion.run();
          return null;
        });
  }

  private void requireNoStorageProblem() {
    List<String> problems = storage == null ? List.of() : storage.problems();
    if (!problems.isEmpty()) {
      throw new IllegalStateException("the group's storage faults cannot apply: " + String.join("; ", problems));
    }
  }

  private NodeId requireMember(NodeId node) {
    if (!hosts.containsKey(node)) {
      throw new IllegalArgumentException("unknown node " + node + "; the members are " + hosts.keySet());
    }
    return node;
  }

  /**
   * Stops every actor of the group (and its own actor system, if it has storage faults); closing
   * again does nothing.
   */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    kit.stop(root, Duration.ofSeconds(10));
    if (ownKit != null) {
      ownKit.shutdownTestKit();
    }
  }
}

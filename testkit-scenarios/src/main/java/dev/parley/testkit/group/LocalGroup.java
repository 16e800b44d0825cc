package dev.parley.testkit.group;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
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
import dev.parley.protocols.trace.StampedEvent;
import dev.parley.protocols.trace.Tracer;
import dev.parley.protocols.trace.TracingLink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

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
  private final ActorRef<SpawnProtocol.Command> root;
  private final SortedMap<NodeId, ActorRef<Object>> hosts = new TreeMap<>();
  /** Where links deliver at each node: its host, behind the receiving end of tracing if traced. */
  private final Map<NodeId, ActorRef<Object>> inbound = new TreeMap<>();
  private final Network network;
  private final UpcallLog upcalls = new UpcallLog(System::nanoTime);
  private final HistoryRecorder history = new HistoryRecorder(System::nanoTime);
  private final long seed;
  private final Tracer tracer;

  /** A group in the making: its size, links, faults and seed. */
  public static final class Builder {
    private final ActorTestKit kit;
    private final java.util.function.Consumer<LocalGroup<?>> onStart;
    private final List<NodeId> nodes;
    private LinkStack links = LinkStack.faulty();
    private FaultPlan faults = FaultPlan.NONE;
    private long seed;
    private boolean traced;

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

    /** Starts the group: every node's instance from {@code factory}. */
    public <C> LocalGroup<C> start(Factory<C> factory) {
      LocalGroup<C> group = new LocalGroup<>(kit, nodes, links, faults, seed, traced, factory);
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
      Factory<C> factory) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a group needs at least one node");
    }
    this.kit = kit;
    this.seed = seed;
    this.tracer = traced ? new Tracer(System::nanoTime) : null;
    this.root = kit.spawn(SpawnProtocol.create(), "group-" + GROUPS.incrementAndGet());
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
              NodeHost.create(env, (Peers<C> peers, NodeEnv e) -> factory.create(peers, e, recorder)),
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

  /** Crash-stops {@code node}'s instance: its memory is lost and its traffic dropped. */
  public void crash(NodeId node) {
    hosts.get(requireMember(node)).tell(new NodeHost.Crash());
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

  /** The seed this group's links draw their faults from. */
  public long seed() {
    return seed;
  }

  /** Retries {@code assertion} until it passes or {@code max} is up (then its failure is thrown). */
  public void await(Duration max, Runnable assertion) {
    TestProbe<Object> probe = kit.createTestProbe();
    probe.awaitAssert(
        max,
        Duration.ofMillis(20),
        () -> {
          assertion.run();
          return null;
        });
  }

  private NodeId requireMember(NodeId node) {
    if (!hosts.containsKey(node)) {
      throw new IllegalArgumentException("unknown node " + node + "; the members are " + hosts.keySet());
    }
    return node;
  }

  /** Stops every actor of the group. */
  @Override
  public void close() {
    kit.stop(root, Duration.ofSeconds(10));
  }
}

package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import dev.parley.cluster.http.AccessControl;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.history.HistoryRecorder;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.Network;
import dev.parley.protocols.trace.Tracer;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one node's actors and its HTTP face share: the settings, the nemesis handle over this node's
 * outbound links, its trace, its clients' history, its upcalls, and where each protocol instance
 * lives. Thread-safe.
 */
public final class NodeRuntime {

  /**
   * The state of one protocol instance as the HTTP face shows it: {@code host} runs the protocol,
   * {@code operations} ({@link OperationHost}) carries out its client operations.
   */
  public record Instance(String name, ProtocolKind kind, ActorRef<Object> host, ActorRef<Object> operations,
      List<NodeId> peers, boolean started) {}

  /** A member of the cluster as this node sees it; {@code http} is where its HTTP API listens. */
  public record Member(NodeId node, String address, String http, String status, boolean reachable) {}

  private final NodeSettings settings;
  private final Network network;
  private final Tracer tracer;
  /** Wall-clock time, so the clients' operations line up with the trace's events (both epoch nanos). */
  private final HistoryRecorder history;
  private final UpcallLog upcalls = new UpcallLog(10_000);
  private final Map<String, Instance> instances = new ConcurrentHashMap<>();

  private final AccessControl access;
  private final Map<String, KindConfig> kindConfigs;
  private final boolean tracing;

  /**
   * @param kindConfigs the settings of the kinds the node runs, by kind name ({@link KindConfig#checked})
   * @param traceCapacity how many of its latest events the node's trace keeps ({@code parley.trace.capacity})
   * @param historyCapacity how many of its clients' latest operations its history keeps ({@code
   *     parley.history.capacity}; older ones are dropped and counted)
   */
  public NodeRuntime(NodeSettings settings, AccessControl access, Map<String, KindConfig> kindConfigs,
      int traceCapacity, int historyCapacity) {
    this(settings, access, kindConfigs, traceCapacity, historyCapacity, true);
  }

  /**
   * @param tracing whether the node traces its protocols' messages and its clients' operations
   *     ({@code parley.trace.enabled}); off, no tracing actor stands between a protocol and its links
   *     and nothing is recorded, so tracing costs nothing
   */
  public NodeRuntime(NodeSettings settings, AccessControl access, Map<String, KindConfig> kindConfigs,
      int traceCapacity, int historyCapacity, boolean tracing) {
    this.tracing = tracing;
    this.settings = settings;
    this.history = new HistoryRecorder(NodeRuntime::epochNanos, historyCapacity);
    this.tracer = new Tracer(NodeRuntime::epochNanos, traceCapacity);
    this.access = access;
    this.kindConfigs = Map.copyOf(kindConfigs);
    this.network = new Network(new java.util.TreeSet<>(settings.group()), FaultPlan.NONE);
  }

  /** The wall clock when this JVM first asked, in nanoseconds since the epoch, and the monotonic clock then. */
  private static final long EPOCH_AT_START;
  private static final long MONOTONIC_AT_START;

  static {
    java.time.Instant now = java.time.Instant.now();
    MONOTONIC_AT_START = System.nanoTime();
    EPOCH_AT_START = now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /**
   * Now, in nanoseconds since the epoch, for the trace and the history alike: the wall clock read
   * once, advanced by the monotonic clock, so it never goes back (an operation never completes
   * before it was invoked, whatever NTP does to the wall clock meanwhile).
   */
  public static long epochNanos() {
    return EPOCH_AT_START + (System.nanoTime() - MONOTONIC_AT_START);
  }

  /** Who may call what on the HTTP API, and how many requests it refused. */
  public AccessControl access() {
    return access;
  }

  public NodeSettings settings() {
    return settings;
  }

  /** The settings of {@code kind}, as the node read them at start. */
  KindConfig kindConfig(ProtocolKind kind) {
    KindConfig config = kindConfigs.get(kind.name());
    if (config == null) {
      throw new IllegalStateException("the settings of " + kind.name() + " were not read when the node started");
    }
    return config;
  }

  public NodeId node() {
    return settings.node();
  }

  public Network network() {
    return network;
  }

  /** Whether this node traces ({@code parley.trace.enabled}); off, {@link #tracer()} stays empty. */
  public boolean tracing() {
    return tracing;
  }

  public Tracer tracer() {
    return tracer;
  }

  public HistoryRecorder history() {
    return history;
  }

  public UpcallLog upcalls() {
    return upcalls;
  }

  void instance(Instance instance) {
    instances.put(instance.name(), instance);
  }

  /** The instances by name. */
  public Map<String, Instance> instances() {
    return Collections.unmodifiableMap(new TreeMap<>(instances));
  }

  /** The instance named {@code name}; an unknown one is an error naming those this node runs. */
  public Instance instance(String name) {
    Instance i = instances.get(name);
    if (i == null) {
      throw new UnknownException("unknown protocol '" + name + "'; this node runs "
          + new TreeMap<>(instances).keySet());
    }
    return i;
  }

  /** Something asked for that does not exist here (an HTTP 404). */
  public static final class UnknownException extends RuntimeException {
    public UnknownException(String message) {
      super(message);
    }
  }
}

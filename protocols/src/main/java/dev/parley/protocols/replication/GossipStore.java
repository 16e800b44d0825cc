package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Heartbeat;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.core.WriteAhead;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An eventually consistent key-value store replicated by gossip: push-pull anti-entropy (Demers et
 * al. 1987) with last-writer-wins registers, as Cassandra and Dynamo repair their replicas.
 *
 * <p>Model: crash-recovery nodes with stable storage, links that lose, delay, duplicate and reorder,
 * partitions of any shape; clocks roughly synchronised (they only decide which of two concurrent
 * writes wins). Every node holds every key.
 *
 * <p>Algorithm. A node applies a put at once, to its own replica only: the value gets the version
 * (t, node), t the node's clock in milliseconds but always above the key's current version (so a write
 * after another, at the same node, wins), and is written to the node's journal before the client is
 * answered Ok. Every {@code interval} the node starts a round with one peer drawn at random: it sends
 * a {@link Digest} of its versions; the peer answers with a {@link Delta} holding the entries it has
 * newer and naming the keys on which the initiator is newer, and the initiator sends those in a last
 * Delta (the three-way exchange of Cassandra's gossip). Merging keeps the newer version of each key, so
 * replicas agree whatever order, duplication or loss the exchanges suffered. A get reads the local
 * replica. A cas compares and sets on the local replica only: it is not atomic across replicas, two
 * nodes may both accept a cas on the same expected value, and the later write wins. A put retried
 * with its request id while it is still the key's newest value is answered Ok without a second write.
 *
 * <p>Guarantees. Always available: every node answers every request at once, also on the minority
 * side of a partition. Eventual consistency: once writes stop and the network heals, every replica
 * holds the same map (the newest version of each key) within O(log N) rounds with high probability,
 * as a rumour spreads through a population. Not linearizable, not even read-your-writes across nodes:
 * a get may return a stale value, and of two concurrent writes the one with the lower timestamp is
 * lost. Cost: each node starts one round per interval, of 1 to 3 messages (digest, delta, delta) whose
 * size grows with the number of keys, so N to 3N messages per interval in the group, and an update
 * reaches all N nodes in O(log N) intervals: O(N log N) messages per update.
 */
public final class GossipStore
    extends EventSourcedBehavior<GossipStore.Command, GossipStore.Merged, VersionedStore> {

  /** Client requests, the exchanges of a round, the round timer and the status query. */
  public sealed interface Command extends WireMessage permits Request, GetStatus, Digest, Delta, Timer {}

  /** A client's request given to this node, answered from its own replica. */
  public record Request(KvRequest request) implements Command {}

  /** Asks for this node's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /**
   * A round begins: {@code from} holds these versions of its keys. Sent every interval whatever the
   * clients do, so traced as keep-alive traffic; a round that finds news shows as a {@link Delta}.
   */
  public record Digest(NodeId from, Map<String, Versioned.Version> versions) implements Command, Heartbeat {
    public Digest {
      versions = Map.copyOf(versions);
    }
  }

  /** {@code from}'s entries newer than the receiver's, and the keys it wants the receiver's newer values of. */
  public record Delta(NodeId from, Map<String, Versioned> entries, Set<String> wanted) implements Command, Heartbeat {
    public Delta {
      entries = Map.copyOf(entries);
      wanted = Set.copyOf(wanted);
    }

    /** Keep-alive traffic when it carries nothing and asks for nothing: the replicas agreed. */
    @JsonIgnore
    @Override
    public boolean isHeartbeat() {
      return entries.isEmpty() && wanted.isEmpty();
    }
  }

  private enum Timer implements Command { ROUND }

  /** What a node persists: entries newer than its own, from a client or a peer. */
  public record Merged(Map<String, Versioned> entries) implements WireMessage {
    public Merged {
      entries = Map.copyOf(entries);
    }
  }

  /**
   * What a node holds.
   *
   * @param node this node
   * @param entries its replica: each key with its newest version here
   * @param rounds the rounds it started since it (re)started
   */
  public record Status(NodeId node, Map<String, Versioned> entries, long rounds) implements WireMessage {

    public Status {
      entries = Map.copyOf(entries);
    }

    /** Each key's value, without versions: what replicas must agree on. */
    public Map<String, String> values() {
      return new VersionedStore(entries).values();
    }
  }

  /** @param interval how often a node starts a round of anti-entropy with a random peer */
  public record Settings(Duration interval) {

    /** A round every 100 ms. */
    public static final Settings DEFAULT = new Settings(Duration.ofMillis(100));

    public Settings {
      if (interval == null || interval.isZero() || interval.isNegative()) {
        throw new IllegalArgumentException("the gossip interval must be positive, got " + interval);
      }
    }
  }

  /**
   * The replica {@code peers.self()} of the store named {@code group} (persistence id {@code
   * gossip|<group>/<node>}); replies go to {@code upcalls}.
   */
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls) {
    Objects.requireNonNull(settings, "settings");
    return Durable.of((context, timers) -> new GossipStore(group, peers, env, settings, upcalls, timers));
  }

  private final WriteAhead<Command, Merged, VersionedStore> writes;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final ActorRef<KvReply> upcalls;
  private final List<NodeId> others;
  private ClientSessions<KvReply> sessions = ClientSessions.empty();
  private long rounds;

  private GossipStore(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls, TimerScheduler<Command> timers) {
    super(PersistenceId.of("gossip", group + "/" + peers.self().name()));
    this.writes = new WriteAhead<>(Effect());
    this.peers = peers;
    this.env = env;
    this.upcalls = upcalls;
    this.others = List.copyOf(peers.others());
    timers.startTimerWithFixedDelay(Timer.ROUND, settings.interval());
  }

  @Override
  public VersionedStore emptyState() {
    return VersionedStore.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1_000, 2).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandler<Command, Merged, VersionedStore> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Request.class, this::onRequest)
        .onCommand(Digest.class, this::onDigest)
        .onCommand(Delta.class, this::onDelta)
        .onCommand(Timer.class, this::onRound)
        .onCommand(GetStatus.class, (store, g) -> {
          g.replyTo().tell(new Status(peers.self(), store.entries(), rounds));
          return Effect().none();
        })
        .build();
  }

  @Override
  public EventHandler<VersionedStore, Merged> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Merged.class, (store, e) -> store.merge(e.entries()))
        .build();
  }

  // ---------------------------------------------------------------- clients

  private Effect<Merged, VersionedStore> onRequest(VersionedStore store, Request r) {
    KvRequest request = r.request();
    if (request instanceof Register) {
      upcalls.tell(new KvReply.Unavailable(request.id(), Register.NOT_HERE));
      return Effect().none();
    }
    ClientSessions.Check<KvReply> seen = sessions.check(request);
    if (seen instanceof ClientSessions.Refused<KvReply> refused) {
      upcalls.tell(KvReply.Rejected.of(request.id(), refused));
      return Effect().none();
    }
    if (seen instanceof ClientSessions.Retry<KvReply> retry && retry.first() != null) {
      upcalls.tell(retry.first());
      return Effect().none();
    }
    Versioned current = store.get(request.key());
    if (request instanceof Get g) {
      answer(g, new KvReply.Ok(g.id(), current == null ? null : current.value()));
      return Effect().none();
    }
    KvReply ok = new KvReply.Ok(request.id(), null);
    if (current != null && current.writtenBy().equals(request.id())) {
      answer(request, ok); // a retry of the write this replica holds
      return Effect().none();
    }
    String value;
    if (request instanceof Cas c) {
      String found = current == null ? null : current.value();
      if (!Objects.equals(found, c.expected())) {
        answer(c, new KvReply.CasFailed(c.id(), found));
        return Effect().none();
      }
      value = c.value();
    } else {
      value = ((Put) request).value();
    }
    long counter = Math.max(env.clock().millis(), current == null ? 1 : current.version().counter() + 1);
    Versioned written = new Versioned(new Versioned.Version(counter, peers.self()), value, request.id());
    return writes.then(new Merged(Map.of(request.key(), written)), s -> answer(request, ok));
  }

  /** Answers {@code request}, remembering it in this replica's sessions (kept in memory only). */
  private void answer(KvRequest request, KvReply reply) {
    sessions = sessions.record(request, reply);
    upcalls.tell(reply);
  }

  // ---------------------------------------------------------------- anti-entropy

  private Effect<Merged, VersionedStore> onRound(VersionedStore store, Timer t) {
    if (!others.isEmpty()) {
      rounds++;
      NodeId peer = others.get(env.random().nextInt(others.size()));
      peers.tell(peer, new Digest(peers.self(), store.digest()));
    }
    return Effect().none();
  }

  private Effect<Merged, VersionedStore> onDigest(VersionedStore store, Digest d) {
    Map<String, Versioned> newer = store.newerThan(d.versions());
    Set<String> wanted = new TreeSet<>();
    d.versions().forEach((key, theirs) -> {
      Versioned mine = store.get(key);
      if (mine == null || theirs.compareTo(mine.version()) > 0) {
        wanted.add(key);
      }
    });
    if (!newer.isEmpty() || !wanted.isEmpty()) {
      peers.tell(d.from(), new Delta(peers.self(), newer, wanted));
    }
    return Effect().none();
  }

  private Effect<Merged, VersionedStore> onDelta(VersionedStore store, Delta d) {
    if (!d.wanted().isEmpty()) {
      Map<String, Versioned> asked = new TreeMap<>();
      d.wanted().forEach(key -> {
        Versioned mine = store.get(key);
        if (mine != null) {
          asked.put(key, mine);
        }
      });
      peers.tell(d.from(), new Delta(peers.self(), asked, Set.of()));
    }
    Map<String, Versioned> newer = store.newerOf(d.entries());
    return newer.isEmpty() ? Effect().none() : Effect().persist(new Merged(newer));
  }
}

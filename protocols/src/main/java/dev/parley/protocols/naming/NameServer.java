package dev.parley.protocols.naming;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A name server: the authority for one zone of names, answering each query with a binding and the
 * time to live (TTL) for which the asker may cache it.
 *
 * <p>Model: one server node, reached over links that may lose, delay and duplicate (the asker
 * retries; every query is idempotent, so duplicates are harmless). Crash-stop: its bindings are its
 * configuration plus what was registered since it started.
 *
 * <p>Algorithm. The server holds the bindings of its zone ({@code ""} is the root, which holds every
 * name: a flat name server) and the delegations of sub-zones to other servers (DNS's NS records). A
 * {@link Query} for a name is answered, in order: the name's binding ({@link Answer}, with its TTL);
 * else, if the name lies in a delegated sub-zone, a {@link Referral} to the server of the longest
 * such zone (with the delegation's TTL); else {@link NxDomain}, the name does not exist. {@link
 * Register} and {@link Unregister} change the bindings at once, for the next query.
 *
 * <p>Guarantees: an answer is the binding at the moment the query arrived; an asker that caches it
 * may serve it for up to its TTL after a change (the DNS trade-off: fewer messages, stale answers
 * within the TTL). Cost: one query, one reply.
 */
public final class NameServer extends AbstractBehavior<NameServer.Command> {

  /** Downcalls (the zone's owner), queries and the status query. */
  public sealed interface Command extends WireMessage
      permits Register, Unregister, Query, GetStatus {}

  /** Downcall: bind {@code name} to {@code value} for askers to cache {@code ttl}. */
  public record Register(String name, String value, Duration ttl) implements Command {
    public Register {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      requirePositive(ttl);
    }
  }

  /** Downcall: remove the binding of {@code name}. */
  public record Unregister(String name) implements Command {}

  /** Wire: resolver {@code from} asks for {@code name}; {@code query} numbers it at the resolver. */
  public record Query(NodeId from, long query, String name) implements Command {}

  /** Asks for this server's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** What a server answers a query with. */
  public sealed interface Reply extends HierarchicalResolver.Command permits Answer, Referral, NxDomain {
    long query();

    String name();
  }

  /** {@code name} is bound to {@code value}; cache it for {@code ttl}. */
  public record Answer(long query, String name, String value, Duration ttl) implements Reply {}

  /** Ask {@code server}, the authority for {@code zone} (which contains the name); cache this for {@code ttl}. */
  public record Referral(long query, String name, String zone, NodeId server, Duration ttl) implements Reply {}

  /** {@code name} does not exist in {@code zone}. */
  public record NxDomain(long query, String name, String zone) implements Reply {}

  /** A binding and its TTL. */
  public record Binding(String value, Duration ttl) implements WireMessage {
    public Binding {
      Objects.requireNonNull(value, "value");
      requirePositive(ttl);
    }
  }

  /** A sub-zone served by {@code server}; referrals to it may be cached for {@code ttl}. */
  public record Delegation(NodeId server, Duration ttl) implements WireMessage {
    public Delegation {
      Objects.requireNonNull(server, "server");
      requirePositive(ttl);
    }
  }

  /** The zone, its bindings and delegations now, and the queries answered so far. */
  public record Status(NodeId node, String zone, Map<String, Binding> bindings,
      Map<String, Delegation> delegations, long queries) implements WireMessage {
    public Status {
      bindings = Map.copyOf(bindings);
      delegations = Map.copyOf(delegations);
    }
  }

  /**
   * The server of {@code zone} ({@code ""} for the root) with these bindings and delegations; it
   * replies to resolvers through {@code peers}.
   */
  public static Behavior<Command> create(String zone, Map<String, Binding> bindings,
      Map<String, Delegation> delegations, Peers<HierarchicalResolver.Command> peers) {
    Objects.requireNonNull(zone, "zone");
    for (String name : bindings.keySet()) {
      requireInZone(name, zone);
    }
    for (String sub : delegations.keySet()) {
      requireInZone(sub, zone);
      if (sub.equals(zone)) {
        throw new IllegalArgumentException("zone '" + zone + "' cannot delegate itself");
      }
    }
    return Behaviors.setup(ctx -> new NameServer(ctx, zone, bindings, delegations, peers));
  }

  /** Whether {@code name} is {@code zone} or lies below it ({@code "a.b"} lies in {@code "b"}); all lie in the root. */
  public static boolean inZone(String name, String zone) {
    return zone.isEmpty() || name.equals(zone) || name.endsWith("." + zone);
  }

  private static void requireInZone(String name, String zone) {
    if (!inZone(name, zone)) {
      throw new IllegalArgumentException("name '" + name + "' is not in zone '" + zone + "'");
    }
  }

  private static void requirePositive(Duration ttl) {
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a TTL must be positive, got " + ttl);
    }
  }

  private final String zone;
  private final Map<String, Binding> bindings;
  private final Map<String, Delegation> delegations;
  private final Peers<HierarchicalResolver.Command> peers;
  private long queries;

  private NameServer(ActorContext<Command> context, String zone, Map<String, Binding> bindings,
      Map<String, Delegation> delegations, Peers<HierarchicalResolver.Command> peers) {
    super(context);
    this.zone = zone;
    this.bindings = new TreeMap<>(bindings);
    this.delegations = new TreeMap<>(delegations);
    this.peers = peers;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Register.class, this::onRegister)
        .onMessage(Unregister.class, this::onUnregister)
        .onMessage(Query.class, this::onQuery)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  private Behavior<Command> onRegister(Register r) {
    if (inZone(r.name(), zone)) {
      bindings.put(r.name(), new Binding(r.value(), r.ttl()));
    } else {
      getContext().getLog().warn("{} is not in zone '{}': not registered", r.name(), zone);
    }
    return this;
  }

  private Behavior<Command> onUnregister(Unregister u) {
    bindings.remove(u.name());
    return this;
  }

  private Behavior<Command> onQuery(Query q) {
    queries++;
    peers.tell(q.from(), resolve(q.query(), q.name()));
    return this;
  }

  private Reply resolve(long query, String name) {
    Binding b = bindings.get(name);
    if (b != null) {
      return new Answer(query, name, b.value(), b.ttl());
    }
    String best = null;
    for (String sub : delegations.keySet()) {
      if (inZone(name, sub) && (best == null || sub.length() > best.length())) {
        best = sub;
      }
    }
    if (best != null) {
      Delegation d = delegations.get(best);
      return new Referral(query, name, best, d.server(), d.ttl());
    }
    return new NxDomain(query, name, zone);
  }

  private Behavior<Command> onGetStatus(GetStatus g) {
    g.replyTo().tell(new Status(peers.self(), zone, bindings, delegations, queries));
    return this;
  }
}

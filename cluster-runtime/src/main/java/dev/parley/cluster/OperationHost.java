package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.typed.Cluster;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.replication.ClientRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The operations of one protocol instance at one node: an actor beside the instance's host that
 * receives each client request as {@link Invoke} (an {@link Invocation} and the request's {@code
 * replyTo}), hands the downcall to the instance, and answers the request when the instance answers
 * it. It is also the instance's upcall listener: every upcall is recorded for {@code /upcalls}, the
 * event stream and the trace, then, if it answers a request, goes to that request's {@code replyTo},
 * found by the key it carries in this actor's own map (never by scanning the upcalls). A request not
 * answered within its wait is answered {@link TimedOut} and forgotten, so it leaves nothing behind;
 * an acquire not granted by then is withdrawn. Each request it starts is a local event of type
 * {@value #CLIENT_EVENT} in the node's trace, so a user's operations show among the protocol traffic
 * (their answers are traced as upcalls).
 *
 * <p>Asked from the HTTP edge only (with AskPattern and the request's timeout); peers never ask,
 * except with a request forwarded to the leader ({@link Forwarding}): a {@link LeaderServed} instance's
 * host is listed with the Receptionist, relays its edge's {@link Forwarding.Request} to the host at
 * the leader's node, and carries out one forwarded to it as its own edge's request, answering with a
 * {@link Forwarding.Reply} (it never forwards that one again).
 */
public final class OperationHost extends AbstractBehavior<Object> {

  /** What the host is told; anything else it receives is an upcall of the instance. */
  public sealed interface Command {}

  /**
   * Carry out {@code invocation} for {@code client}, answering {@code replyTo} within {@code within};
   * {@code label} says what it is in the trace, short ({@code put k=v}, {@code multicast "hi"}).
   */
  public record Invoke(Invocation invocation, String client, String label, Duration within, ActorRef<Object> replyTo)
      implements Command {}

  /** How many requests wait, and the lock clients if any: answered with a map. */
  public record Describe(ActorRef<Object> replyTo) implements Command {}

  /** The instance's host, to hand downcalls to until {@link Running}. */
  record Attach(ActorRef<Object> host) implements Command {}

  /**
   * An incarnation of the instance runs: hand downcalls straight to it from now on (one hop less than
   * through the host; while it is crashed they are lost, as the host would drop them).
   */
  record Running(ActorRef<Object> instance) implements Command {}

  private record Expired(long ticket) implements Command {}

  /** The operation hosts of this leader-served instance across the cluster, as the Receptionist lists them. */
  private record Listed(Receptionist.Listing listing) implements Command {}

  /** What a request is answered with. */
  public sealed interface Outcome {}

  /** The upcall (or, for an {@link Invocation.Asked}, the reply) answering the request. */
  public record Answered(Object answer) implements Outcome {}

  /** Handed to the instance; nothing answers it. */
  public record Accepted() implements Outcome {}

  /** No answer within the request's wait; forgotten (an acquire: withdrawn). */
  public record TimedOut() implements Outcome {}

  /** Another request is open under the request's key: {@code earlier} is that request. */
  public record InUse(Object key, Object earlier) implements Outcome {}

  /** The client holds the critical section with {@code fencingToken}. */
  public record Granted(String client, long fencingToken) implements Outcome {}

  /** The client gave the critical section back; it held it with {@code fencingToken}. */
  public record Released(String client, long fencingToken) implements Outcome {}

  /** Refused for what it conflicts with ({@code conflict}: a short code). */
  public record Refused(String conflict, String message) implements Outcome {}

  /** The type of the local event that records, in the trace, a client operation this host starts. */
  public static final String CLIENT_EVENT = "client";

  private record Key(Class<?> type, Object key) {}

  private static final class Waiting {
    final String fingerprint;
    final Object request;
    final List<Long> tickets = new ArrayList<>(1);

    Waiting(String fingerprint, Object request) {
      this.fingerprint = fingerprint;
      this.request = request;
    }
  }

  /**
   * A request waiting for its answer; {@code forwarded}: from another node, answered with a {@link
   * Forwarding.Reply}.
   */
  private record Open(Key key, ActorRef<Object> replyTo, boolean forwarded) {}

  private final NodeRuntime runtime;
  private final String name;
  private final NodeEnv env;
  private final TimerScheduler<Object> timers;
  private final Map<Class<?>, Invocation.Answered<?>> answerTypes = new LinkedHashMap<>();
  private final Map<Key, Waiting> waiting = new HashMap<>();
  private final Map<Long, Open> open = new HashMap<>();
  private ActorRef<Object> host;
  private ActorRef<Object> instance;
  private LockClients locks;
  private long tickets;
  /** A leader-served instance's operation hosts across the cluster (this one among them), else empty. */
  private Optional<ServiceKey<Object>> listedAs = Optional.empty();
  private Set<ActorRef<Object>> hosts = Set.of();

  static Behavior<Object> create(NodeRuntime runtime, String name, NodeEnv env) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new OperationHost(ctx, runtime, name, env, timers)));
  }

  private OperationHost(ActorContext<Object> ctx, NodeRuntime runtime, String name, NodeEnv env,
      TimerScheduler<Object> timers) {
    super(ctx);
    this.runtime = runtime;
    this.name = name;
    this.env = env;
    this.timers = timers;
    if (runtime.settings().protocols().get(name) instanceof LeaderServed) {
      ServiceKey<Object> key = Forwarding.key(name);
      listedAs = Optional.of(key);
      ctx.getSystem().receptionist().tell(Receptionist.register(key, ctx.getSelf()));
      // through an adapter: the Receptionist cannot watch one actor both as a service and as a subscriber
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(key,
          ctx.messageAdapter(Receptionist.Listing.class, Listed::new)));
    }
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(Invoke.class, this::onInvoke)
        .onMessage(Expired.class, this::onExpired)
        .onMessage(Describe.class, this::onDescribe)
        .onMessage(Forwarding.Request.class, this::onForward)
        .onMessage(Listed.class, l -> {
          listedAs.filter(l.listing()::isForKey).ifPresent(key -> hosts = l.listing().getServiceInstances(key));
          return this;
        })
        .onMessage(Attach.class, a -> {
          host = a.host();
          instance = a.host();
          return this;
        })
        .onMessage(Running.class, r -> {
          instance = r.instance();
          return this;
        })
        .onAnyMessage(this::onUpcall)
        .build();
  }

  private Behavior<Object> onInvoke(Invoke invoke) {
    if (runtime.tracing()) {
      runtime.tracer().local(name, runtime.node(), CLIENT_EVENT, Clients.isAnonymous(invoke.client())
          ? invoke.label() : invoke.label() + " by " + invoke.client());
    }
    Invocation invocation = invoke.invocation();
    if (invocation instanceof Invocation.Answered<?> a) {
      answered(a, invoke, false);
    } else if (invocation instanceof Invocation.Accepted a) {
      instance.tell(a.downcall());
      invoke.replyTo().tell(new Accepted());
    } else if (invocation instanceof Invocation.Asked a) {
      instance.tell(a.downcall().apply(invoke.replyTo()));
    } else if (invocation instanceof Invocation.Exclusive x) {
      exclusive(x, invoke);
    }
    return this;
  }

  /**
   * A forwarded request: relayed to the leader's host if this node is not the leader, else carried
   * out here. A leader not listed (not a reachable member, or its host not yet seen), or a request
   * the kind cannot make an invocation of, is answered at once with {@link Forwarding.Reply#unsent},
   * so the edge redirects as without forwarding.
   */
  private Behavior<Object> onForward(Forwarding.Request forward) {
    NodeId leader = forward.leader();
    if (!leader.equals(runtime.node())) {
      Optional<ActorRef<Object>> there = hostAt(leader);
      if (there.isPresent()) {
        there.get().tell(forward);
      } else {
        forward.replyTo().tell(Forwarding.Reply.unsent());
      }
      return this;
    }
    Invocation.Answered<?> invocation;
    try {
      invocation = ((LeaderServed) runtime.settings().protocols().get(name)).invocation(forward.request());
    } catch (RuntimeException e) { // a kind's mistake must not stop this host: the first node answers itself
      getContext().getLog().warn("{} cannot carry out a request forwarded to it ({}): {}", name, forward.request(),
          e.toString());
      forward.replyTo().tell(Forwarding.Reply.unsent());
      return this;
    }
    String client = forward.request() instanceof ClientRequest c ? c.id().client() : Clients.anonymous();
    if (runtime.tracing()) {
      runtime.tracer().local(name, runtime.node(), CLIENT_EVENT, forward.label()
          + (Clients.isAnonymous(client) ? "" : " by " + client) + " (forwarded)");
    }
    answered(invocation, new Invoke(invocation, client, forward.label(), Duration.ofMillis(forward.withinMillis()),
        forward.replyTo()), true);
    return this;
  }

  /** The operation host of this instance at {@code node}, if that node is a reachable member listed. */
  private Optional<ActorRef<Object>> hostAt(NodeId node) {
    Optional<String> address = NodeGuardian.members(Cluster.get(getContext().getSystem())).stream()
        .filter(m -> node.equals(m.node()) && m.reachable()).map(NodeRuntime.Member::address).findFirst();
    return address.flatMap(a -> hosts.stream()
        .filter(h -> a.equals(h.path().address().hostPort())).findFirst());
  }

  private void answered(Invocation.Answered<?> a, Invoke invoke, boolean forwarded) {
    Key key = new Key(a.upcall(), a.key());
    Waiting w = waiting.get(key);
    boolean fresh = w == null;
    if (fresh) {
      w = new Waiting(a.fingerprint(), a.request());
      waiting.put(key, w);
      answerTypes.put(a.upcall(), a);
    } else if (a.fingerprint() == null || !a.fingerprint().equals(w.fingerprint)) {
      invoke.replyTo().tell(forwarded ? new Forwarding.Reply(runtime.node(), null, w.request)
          : new InUse(a.key(), w.request));
      return;
    }
    long ticket = ++tickets;
    w.tickets.add(ticket);
    open.put(ticket, new Open(key, invoke.replyTo(), forwarded));
    timers.startSingleTimer(ticket, new Expired(ticket), invoke.within());
    if (fresh) {
      instance.tell(a.downcall());
    }
  }

  private void exclusive(Invocation.Exclusive x, Invoke invoke) {
    if (locks == null) {
      locks = new LockClients(runtime.node(), name, host, x.acquire(), x.release());
    }
    try {
      if (x.acquiring()) {
        long ticket = ++tickets;
        locks.acquire(invoke.client(), ticket, invoke.replyTo());
        timers.startSingleTimer(ticket, new Expired(ticket), invoke.within());
      } else {
        LockClients.Grant released = locks.release(Clients.isAnonymous(invoke.client()) ? null : invoke.client());
        invoke.replyTo().tell(new Released(released.client(), released.fencingToken()));
      }
    } catch (LockClients.Refused e) {
      invoke.replyTo().tell(new Refused(e.conflict(), e.getMessage()));
    }
  }

  private Behavior<Object> onExpired(Expired expired) {
    Open o = open.remove(expired.ticket());
    if (o != null) {
      Waiting w = waiting.get(o.key());
      if (w != null && w.tickets.remove(expired.ticket()) && w.tickets.isEmpty()) {
        waiting.remove(o.key());
      }
      o.replyTo().tell(o.forwarded() ? new Forwarding.Reply(runtime.node(), null, null) : new TimedOut());
    } else if (locks != null) {
      locks.withdraw(expired.ticket());
    }
    return this;
  }

  private Behavior<Object> onUpcall(Object upcall) {
    runtime.upcalls().record(name, env.clock().millis(), upcall);
    if (runtime.tracing()) {
      runtime.tracer().upcall(name, runtime.node(), upcall);
    }
    for (Invocation.Answered<?> type : answerTypes.values()) {
      Object key = type.keyIn(upcall);
      Waiting w = key == null ? null : waiting.remove(new Key(type.upcall(), key));
      if (w != null) {
        for (long ticket : w.tickets) {
          timers.cancel(ticket);
          Open o = open.remove(ticket);
          o.replyTo().tell(o.forwarded() ? new Forwarding.Reply(runtime.node(), upcall, null)
              : new Answered(upcall));
        }
      }
    }
    if (locks != null) {
      locks.onUpcall(upcall);
    }
    return this;
  }

  private Behavior<Object> onDescribe(Describe describe) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("waiting", open.size() + (locks == null ? 0 : locks.waiting()));
    if (locks != null) {
      out.put("clients", locks.status());
    }
    describe.replyTo().tell(out);
    return this;
  }
}

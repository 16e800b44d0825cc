package dev.parley.protocols.rpc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.core.WriteAhead;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An RPC server with at-least-once or at-most-once semantics (the notes' RPC failure semantics).
 *
 * <p>Model: clients ({@link RpcClient}) that retry over fair-loss links, which may drop, duplicate,
 * delay and reorder; a server that may crash and recover with its journal (crash-recovery).
 *
 * <p>Algorithm: every execution of a request is journaled as an {@link Performed} event before the
 * reply is sent, so the service's state survives a crash. Under {@link Semantics#AT_LEAST_ONCE} every
 * copy of a request that arrives is executed again. Under {@link Semantics#AT_MOST_ONCE} the event
 * also puts the reply into a reply cache keyed by (client, request id), part of the journaled state,
 * and a copy of a request found there is answered from the cache without being executed.
 *
 * <p>Guarantees: at-least-once: each call the client does not give up on is executed at least once
 * (possibly more: a non-idempotent operation may take effect twice). At-most-once: each (client,
 * request id) is executed at most once, also across server crashes; with a client that retries
 * until answered, exactly once. Cost: 2 messages per call and attempt (request, reply); one journal
 * write per execution, none for a cached answer. The reply cache is never trimmed here (a real
 * server would drop entries the client has acknowledged or that are older than its retry horizon).
 */
public class RpcServer
    extends EventSourcedBehavior<RpcServer.Command, RpcServer.Event, RpcServer.State> {

  /** Requests from clients and the status query. */
  public sealed interface Command extends WireMessage permits Request, GetStatus {}

  /** {@code client}'s call {@code requestId}; retries carry the same id. */
  public record Request(NodeId client, long requestId, @Payload WireMessage request) implements Command {}

  /** Asks for the server's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** The semantics, how many executions so far, how many replies are cached, the service's state. */
  public record Status(Semantics semantics, long executions, int cachedReplies, Object service)
      implements WireMessage {}

  /** What the server persists. */
  public sealed interface Event extends WireMessage permits Performed {}

  /** Request {@code requestId} of {@code client} was executed and answered {@code result}. */
  public record Performed(NodeId client, long requestId, @Payload WireMessage request,
      @Payload WireMessage result)
      implements Event {}

  /** Key of the reply cache. */
  public record CallId(NodeId client, long requestId) implements WireMessage {}

  /** Durable state: the service, the executions so far and the reply cache (at-most-once only). */
  public record State(Object service, long executions, Map<CallId, WireMessage> replies)
      implements WireMessage {}

  private final WriteAhead<Command, Event, State> writes;
  private final Semantics semantics;
  private final RpcService<Object> service;
  private final Peers<RpcClient.Command> clients;
  private final ActorRef<? super Executed> listener;

  /**
   * A server named {@code name} (its persistence id) executing requests on {@code service} for the
   * members of {@code clients}; it reports each execution to {@code listener}.
   */
  public static <S> Behavior<Command> create(
      String name,
      Semantics semantics,
      RpcService<S> service,
      Peers<RpcClient.Command> clients,
      ActorRef<? super Executed> listener) {
    return create(name, semantics, service, clients, listener, RpcServer::new);
  }

  /** How a variant of the server is made (the broken ones of the specs subclass it). */
  interface Variant {
    RpcServer make(String name, Semantics semantics, RpcService<Object> service, Peers<RpcClient.Command> clients,
        ActorRef<? super Executed> listener);
  }

  /** As {@link #create(String, Semantics, RpcService, Peers, ActorRef)}, the server made by {@code variant}. */
  @SuppressWarnings("unchecked")
  static <S> Behavior<Command> create(String name, Semantics semantics, RpcService<S> service,
      Peers<RpcClient.Command> clients, ActorRef<? super Executed> listener, Variant variant) {
    Objects.requireNonNull(semantics, "semantics");
    Objects.requireNonNull(service, "service");
    return Durable.of((context, timers) ->
        variant.make(name, semantics, (RpcService<Object>) (RpcService<?>) service, clients, listener));
  }

  /**
   * This member's behavior in a group where node {@code server} runs the server and every other
   * member an {@link RpcClient} of it.
   */
  public static <S> Behavior<Object> inGroup(
      NodeId server,
      Semantics semantics,
      RpcService<S> service,
      RpcClient.Settings clientSettings,
      Peers<Object> peers,
      dev.parley.protocols.core.NodeEnv env,
      ActorRef<Object> listener) {
    return inGroup(server, semantics, service, clientSettings, peers, env, listener, RpcServer::new);
  }

  /** As the public {@code inGroup}, the server made by {@code variant}. */
  static <S> Behavior<Object> inGroup(NodeId server, Semantics semantics, RpcService<S> service,
      RpcClient.Settings clientSettings, Peers<Object> peers, dev.parley.protocols.core.NodeEnv env,
      ActorRef<Object> listener, Variant variant) {
    if (peers.self().equals(server)) {
      Peers<RpcClient.Command> clients = peers.map((id, ref) -> ref.narrow());
      return create("rpc-" + server.name(), semantics, service, clients, listener, variant).unsafeCast();
    }
    ActorRef<Command> ref = peers.ref(server).narrow();
    return RpcClient.create(ref, env, listener, clientSettings).unsafeCast();
  }

  RpcServer(
      String name,
      Semantics semantics,
      RpcService<Object> service,
      Peers<RpcClient.Command> clients,
      ActorRef<? super Executed> listener) {
    super(PersistenceId.of("rpc-server", Objects.requireNonNull(name, "name")));
    this.writes = new WriteAhead<>(Effect());
    this.semantics = semantics;
    this.service = service;
    this.clients = clients;
    this.listener = listener;
  }

  @Override
  public State emptyState() {
    return new State(service.initial(), 0, Map.of());
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Request.class, this::onRequest)
        .onCommand(GetStatus.class, this::onGetStatus)
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> apply(state, (Performed) event));
  }

  private State apply(State state, Performed e) {
    RpcService.Outcome<Object> out = service.execute(state.service(), e.request());
    Map<CallId, WireMessage> replies = state.replies();
    if (semantics == Semantics.AT_MOST_ONCE) {
      replies = new HashMap<>(replies);
      replies.put(new CallId(e.client(), e.requestId()), e.result());
    }
    return new State(out.state(), state.executions() + 1, replies);
  }

  private Effect<Event, State> onRequest(State state, Request r) {
    if (!clients.contains(r.client()) || r.client().equals(clients.self())) {
      return Effect().none();
    }
    if (semantics == Semantics.AT_MOST_ONCE) {
      WireMessage cached = state.replies().get(new CallId(r.client(), r.requestId()));
      if (cached != null) {
        answer(r, cached);
        return Effect().none();
      }
    }
    return perform(r, service.execute(state.service(), r.request()).result());
  }

  /** Journals the execution of {@code r}, which gave {@code result}; once written, reports and answers it. */
  Effect<Event, State> perform(Request r, WireMessage result) {
    return writes.then(new Performed(r.client(), r.requestId(), r.request(), result), after -> {
      listener.tell(new Executed(r.client(), r.requestId()));
      answer(r, result);
    });
  }

  /** Answers {@code r}'s client with {@code result}. */
  void answer(Request r, WireMessage result) {
    clients.tell(r.client(), new RpcClient.Reply(r.requestId(), result));
  }

  private Effect<Event, State> onGetStatus(State state, GetStatus q) {
    q.replyTo().tell(new Status(semantics, state.executions(), state.replies().size(), state.service()));
    return Effect().none();
  }
}

package dev.parley.protocols.rpc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Payload;
import dev.parley.protocols.core.WireMessage;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;

/**
 * The client side of request/response RPC with a timeout and retries (see {@link RpcServer} for the
 * semantics, which the server decides).
 *
 * <p>Model: fair-loss links (a message sent again and again is eventually delivered) that may also
 * duplicate and reorder; the client does not crash during a call.
 *
 * <p>Algorithm: a {@link Call} is sent to the server as a {@link RpcServer.Request} under the
 * caller's request id and sent again every {@link Settings#timeout} until a {@link Reply} comes,
 * up to {@link Settings#maxAttempts} sends; the first reply is reported as {@link RpcReply}, later
 * copies are ignored; a call whose budget runs out is reported as {@link RpcFailed}. Several calls
 * may be outstanding at once.
 *
 * <p>Guarantees: every call is answered or reported failed, exactly once; over a fair-loss link to
 * a server that is up, with enough attempts, answered. Cost: 2 messages per attempt.
 */
public final class RpcClient extends AbstractBehavior<RpcClient.Command> {

  /** Calls from the user, replies from the server, the retry timer, the status query. */
  public sealed interface Command extends WireMessage permits Call, Reply, Retry, GetStatus {}

  /** Downcall: call the server with {@code request} under {@code requestId} (unique per client). */
  public record Call(long requestId, @Payload WireMessage request) implements Command {}

  /** The server's answer to call {@code requestId}. */
  public record Reply(long requestId, @Payload WireMessage result) implements Command {}

  /** Time to send call {@code requestId} again (a timer). */
  public record Retry(long requestId) implements Command {}

  /** Asks for the client's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** This client and the ids of its outstanding calls. */
  public record Status(NodeId node, List<Long> outstanding) implements WireMessage {}

  /**
   * Timing of a client.
   *
   * @param timeout how long to wait for a reply before sending again
   * @param maxAttempts how many times a call is sent at most before it is reported failed
   */
  public record Settings(Duration timeout, int maxAttempts) {
    public static final Settings DEFAULT = new Settings(Duration.ofSeconds(1), 5);

    public Settings {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("an RPC client's timeout must be positive, got " + timeout);
      }
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("an RPC client needs at least 1 attempt, got " + maxAttempts);
      }
    }
  }

  private record Pending(WireMessage request, int attempts) {}

  private final ActorRef<RpcServer.Command> server;
  private final ActorRef<? super RpcUpcall> listener;
  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final NodeId self;
  private final TreeMap<Long, Pending> pending = new TreeMap<>();

  /** A client of {@code server} on the node of {@code env}, reporting to {@code listener}. */
  public static Behavior<Command> create(
      ActorRef<RpcServer.Command> server,
      NodeEnv env,
      ActorRef<? super RpcUpcall> listener,
      Settings settings) {
    return Behaviors.setup(
        ctx -> Behaviors.withTimers(timers -> new RpcClient(ctx, timers, server, env, listener, settings)));
  }

  private RpcClient(
      ActorContext<Command> ctx,
      TimerScheduler<Command> timers,
      ActorRef<RpcServer.Command> server,
      NodeEnv env,
      ActorRef<? super RpcUpcall> listener,
      Settings settings) {
    super(ctx);
    this.timers = timers;
    this.server = server;
    this.listener = listener;
    this.settings = settings;
    this.self = env.node();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Call.class, this::onCall)
        .onMessage(Reply.class, this::onReply)
        .onMessage(Retry.class, this::onRetry)
        .onMessage(GetStatus.class, this::onGetStatus)
        .build();
  }

  private Behavior<Command> onCall(Call c) {
    if (pending.containsKey(c.requestId())) {
      return this;
    }
    send(c.requestId(), new Pending(c.request(), 0));
    return this;
  }

  private Behavior<Command> onReply(Reply r) {
    Pending p = pending.remove(r.requestId());
    if (p != null) {
      timers.cancel(r.requestId());
      listener.tell(new RpcReply(r.requestId(), r.result(), p.attempts()));
    }
    return this;
  }

  private Behavior<Command> onRetry(Retry r) {
    Pending p = pending.get(r.requestId());
    if (p == null) {
      return this;
    }
    if (p.attempts() >= settings.maxAttempts()) {
      pending.remove(r.requestId());
      listener.tell(new RpcFailed(r.requestId(), "no reply after " + p.attempts() + " attempts"));
    } else {
      send(r.requestId(), p);
    }
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus q) {
    q.replyTo().tell(new Status(self, List.copyOf(pending.keySet())));
    return this;
  }

  private void send(long requestId, Pending p) {
    pending.put(requestId, new Pending(p.request(), p.attempts() + 1));
    server.tell(new RpcServer.Request(self, requestId, p.request()));
    timers.startSingleTimer(requestId, new Retry(requestId), settings.timeout());
  }
}

package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.replication.ClientRequest;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftStatus;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.StateMachine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Any {@link StateMachine} on the cluster as a kind, replicated by {@link Raft}: the user gives the
 * machine (whose commands are {@link ClientRequest}s, usually wrapped in client sessions by {@code
 * SessionStateMachine.wrap}) and its client operations, each turning an HTTP call's JSON body into a
 * command; the kind does the rest.
 *
 * <pre>{@code
 * record Units(@JsonProperty(required = true) String item, @JsonProperty(required = true) Long units) {}
 *
 * StateMachineKind.of("inventory", "stock and reservations, replicated by Raft", Inventory.machine())
 *     .operation("restock", Units.class, (id, body) -> new Restock(id, body.item(), body.units()))
 *     .operation("count", Item.class, (id, body) -> new Count(id, body.item()))
 *     .showing(state -> state.state().units());   // what GET /protocols/{name} shows of the machine
 * }</pre>
 *
 * <p>{@code POST /protocols/{name}/{op}?client=c&seq=N} with a JSON body (mapped strictly onto the
 * operation's record, as every operation's is) makes the command under request id ({@code c},
 * {@code N}) (no client: the call is a client of its own), and gives it to this node's replica. The answer ({@code "upcall"}) is {@link Applied}
 * with the machine's reply (as JSON, or what {@code replies} makes of it); {@link NotLeader} naming
 * the leader to send it to (the command had no effect); or {@link Failed}, naming the exception the
 * machine threw applying it (it had no effect on any replica). With sessions, a retry under the same
 * client and seq gets its first answer and is applied once. The live status is the replica's Raft
 * state and what {@code showing} makes of the machine's.
 *
 * <p>Settings: section {@code parley.kinds.<name>}, all optional ({@link #raftSettings}); each
 * instance journals under persistence id {@code <name>|<instance>/<node>}.
 *
 * @param <S> the machine's state
 * @param <C> its commands
 * @param <R> its replies
 */
public final class StateMachineKind<S, C extends ClientRequest, R> implements ProtocolKind {

  /** How an operation's body, a record mapped from its JSON, becomes a command carrying request id {@code id}. */
  @FunctionalInterface
  public interface Command<B, C> {

    /** The command; a body it cannot use is an {@link IllegalArgumentException} saying what. */
    C of(RequestId id, B body);
  }

  /** The upcalls answering a call, each carrying the call's request id. */
  public sealed interface Answer permits Applied, NotLeader, Failed {
    RequestId id();
  }

  /**
   * The command was applied; the machine answered {@code reply}, written in JSON as a value of its
   * own type (with its type name, if its type has one: {@code @JsonTypeInfo}).
   */
  public record Applied(RequestId id, @JsonSerialize(using = AsItsOwnType.class) Object reply) implements Answer {}

  /** Writes a value as Jackson writes one of its own type, type name included, not as an {@code Object}. */
  static final class AsItsOwnType extends StdSerializer<Object> {
    AsItsOwnType() {
      super(Object.class);
    }

    @Override
    public void serialize(Object value, JsonGenerator json, SerializerProvider provider) throws IOException {
      provider.findTypedValueSerializer(value.getClass(), true, null).serialize(value, json, provider);
    }
  }

  /** This node does not lead, so the command had no effect: {@code leader} does (null: none known yet). */
  public record NotLeader(RequestId id, NodeId leader, String error) implements Answer {}

  /** The machine threw applying the command, so it had no effect on any replica: {@code error} says what. */
  public record Failed(RequestId id, String error) implements Answer {}

  /** The status query: the replica answers its Raft state and its machine's, as {@code showing} shows it. */
  public record Status(ActorRef<Object> replyTo) implements Raft.Downcall {}

  private final String name;
  private final String description;
  private final StateMachine<S, C, R> machine;
  private final List<Operation<?>> operations;
  private final Function<? super R, ?> replies;
  private final Function<? super S, ?> showing;

  private StateMachineKind(String name, String description, StateMachine<S, C, R> machine,
      List<Operation<?>> operations, Function<? super R, ?> replies, Function<? super S, ?> showing) {
    this.name = Objects.requireNonNull(name, "name");
    this.description = Objects.requireNonNull(description, "description");
    this.machine = Objects.requireNonNull(machine, "machine");
    this.operations = operations;
    this.replies = Objects.requireNonNull(replies, "replies");
    this.showing = showing;
  }

  /** The kind {@code name} replicating {@code machine}, with no operations yet. */
  public static <S, C extends ClientRequest, R> StateMachineKind<S, C, R> of(String name, String description,
      StateMachine<S, C, R> machine) {
    return new StateMachineKind<>(name, description, machine, List.of(), reply -> reply, null);
  }

  /**
   * This kind with operation {@code op} ({@code POST /protocols/{name}/{op}}), whose JSON body maps
   * onto record {@code body} and becomes a command through {@code command}.
   */
  public <B extends Record> StateMachineKind<S, C, R> operation(String op, Class<B> body, Command<B, C> command) {
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(command, "command");
    Set<String> names = new HashSet<>();
    operations.forEach(o -> names.add(o.name()));
    if (!names.add(op)) {
      throw new IllegalArgumentException(name + " has operation '" + op + "' twice: give each operation once");
    }
    List<Operation<?>> more = new ArrayList<>(operations);
    more.add(Operation.of(op, body, (caller, b) -> submit(op, caller, command.of(idOf(caller), b))));
    return new StateMachineKind<>(name, description, machine, List.copyOf(more), replies, showing);
  }

  /** The request id a caller gives ({@code ?client=&seq=}), or an anonymous client's first. */
  static RequestId idOf(Caller caller) {
    return new RequestId(caller.client(), caller.seq().orElse(1L));
  }

  /**
   * {@code command} given to this node's replica, answered by the upcall carrying its request id; a
   * second request under that id while it is open is the same request only if it is the same command.
   */
  private Invocation submit(String op, Caller caller, C command) {
    RequestId id = idOf(caller);
    if (command == null || !id.equals(command.id())) {
      throw new IllegalStateException("operation '" + op + "' of " + name + " made " + command + ", not a command "
          + "carrying the request id it was given (" + id + "): build the command with that id");
    }
    return Invocation.answeredBy(new Raft.Submit(command), Answer.class, Answer::id, id)
        .sharedBy(command.fingerprint(), command);
  }

  /** This kind, answering each reply as {@code toJson} makes it (a value Jackson writes), not as it is. */
  public StateMachineKind<S, C, R> replies(Function<? super R, ?> toJson) {
    return new StateMachineKind<>(name, description, machine, operations, toJson, showing);
  }

  /** This kind, its live status showing what {@code view} makes of the machine's state. */
  public StateMachineKind<S, C, R> showing(Function<? super S, ?> view) {
    return new StateMachineKind<>(name, description, machine, operations, replies, view);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return description;
  }

  /**
   * Raft's settings from {@code config}, each key optional (default in parentheses): {@code heartbeat}
   * (50ms), {@code election-timeout-min} (300ms), {@code election-timeout-max} (600ms), {@code
   * max-batches-in-flight} (1), {@code snapshot-interval} (10000), {@code snapshot-chunk-bytes} (65536),
   * {@code max-append-bytes} (131072).
   */
  public static Raft.Settings raftSettings(KindConfig config) {
    Raft.Settings d = Raft.Settings.DEFAULT;
    RaftElection.Settings e = d.election();
    return d.withElection(new RaftElection.Settings(
            config.has("heartbeat") ? config.positiveDuration("heartbeat") : e.heartbeat(),
            config.has("election-timeout-min") ? config.positiveDuration("election-timeout-min")
                : e.electionTimeoutMin(),
            config.has("election-timeout-max") ? config.positiveDuration("election-timeout-max")
                : e.electionTimeoutMax()))
        .withMaxBatchesInFlight(config.has("max-batches-in-flight") ? config.integer("max-batches-in-flight")
            : d.maxBatchesInFlight())
        .withSnapshotInterval(config.has("snapshot-interval") ? config.integer("snapshot-interval")
            : d.snapshotInterval())
        .withSnapshotChunkBytes(config.has("snapshot-chunk-bytes") ? config.integer("snapshot-chunk-bytes")
            : d.snapshotChunkBytes())
        .withMaxAppendBytes(config.has("max-append-bytes") ? config.integer("max-append-bytes")
            : d.maxAppendBytes());
  }

  @Override
  public void checkConfig(KindConfig config) {
    raftSettings(config);
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    Peers<Raft.Command> peers = context.typedPeers();
    return Raft.create(name, context.instance(), peers, context.env(), raftSettings(context.config()), machine,
        frontend(context.instance(), peers.self(), context.upcalls())).unsafeCast();
  }

  /** Answers every command given to this replica to {@code upcalls}, and the status query. */
  private Raft.Frontend<S, C, R> frontend(String instance, NodeId self, ActorRef<Object> upcalls) {
    Raft.Frontend<S, C, R> answers = new Raft.Frontend<>() {
      @Override
      public void applied(C command, R reply) {
        upcalls.tell(new Applied(command.id(), replies.apply(reply)));
      }

      @Override
      public void notApplied(C command, NodeId leader) {
        upcalls.tell(new NotLeader(command.id(), leader, self + " does not lead " + instance + ", so "
            + command.describe() + " had no effect; " + (leader == null
                ? "no leader is known yet: send it again shortly"
                : leader + " leads: send it to " + leader + " (its HTTP address is in GET /status, members)")));
      }

      @Override
      public void failed(C command, String error) {
        upcalls.tell(new Failed(command.id(), error));
      }
    };
    return answers.withDowncalls((status, replica) -> ((Status) status).replyTo().tell(status(replica)));
  }

  private Map<String, Object> status(Raft.Replica<S, C> replica) {
    RaftStatus s = replica.status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("role", s.role());
    out.put("term", s.term());
    out.put("leader", s.leader());
    out.put("commitIndex", s.commitIndex());
    out.put("lastApplied", s.lastApplied());
    out.put("snapshotIndex", s.snapshotIndex());
    if (showing != null) {
      out.put("machine", showing.apply(replica.state()));
    }
    return out;
  }

  @Override
  public List<Operation<?>> operations() {
    return operations;
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return new Status(replyTo);
  }
}

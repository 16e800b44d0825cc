package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.rpc.CounterService;
import dev.parley.protocols.rpc.Executed;
import dev.parley.protocols.rpc.NfsServer;
import dev.parley.protocols.rpc.RpcClient;
import dev.parley.protocols.rpc.RpcFailed;
import dev.parley.protocols.rpc.RpcReply;
import dev.parley.protocols.rpc.RpcServer;
import dev.parley.protocols.rpc.RpcService;
import dev.parley.protocols.rpc.RpcUpcall;
import dev.parley.protocols.rpc.Semantics;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The RPC semantics of {@code protocols/rpc} on the cluster: the group's first node runs a journaled
 * {@link RpcServer} (its reply cache, under at-most-once, survives a crash and a kill -9), every
 * other node an {@link RpcClient} of it. One operation, {@code call}, at a client: {@code {"op":
 * "increment", "account": "a", "amount": 5}} (or {@code balance}) for the counter service, {@code
 * lookup}, {@code read}, {@code write}, {@code create} and {@code rename} for the NFS-style file
 * server. The answer is the reply with the number of sends it took. A call may name its own {@code
 * "requestId"}: sending the same id again is a duplicate the server recognises (at-most-once) or
 * executes again (at-least-once); without one, a fresh id is taken. The semantics are the server's,
 * chosen by the kind ({@code rpc}, {@code rpc-at-least-once}, {@code nfs}, {@code nfs-at-least-once});
 * a call naming other {@code "semantics"} is refused. Settings: how long a client waits before it
 * sends a request again, and how many sends it makes.
 *
 * @param service the service the server runs
 * @param semantics the server's call semantics
 */
record RpcKind(String name, String description, RpcService<?> service, Semantics semantics)
    implements ProtocolKind {

  /** Fresh request ids: unique across client restarts as they start from the wall clock. */
  private static final AtomicLong IDS = new AtomicLong(System.currentTimeMillis() * 1000);

  @Override
  public void checkConfig(KindConfig config) {
    client(config);
  }

  private static RpcClient.Settings client(KindConfig c) {
    return new RpcClient.Settings(c.duration("resend-after"), c.integer("max-sends"));
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    Peers<Object> peers = context.peers();
    NodeId server = peers.members().first();
    if (peers.self().equals(server)) {
      // the instance's name is the server's persistence id: several instances on a node keep apart
      Peers<RpcClient.Command> clients = peers.map((id, ref) -> ref.narrow());
      return RpcServer.create(context.instance(), semantics, service, clients, context.upcalls()).unsafeCast();
    }
    return RpcClient.create(peers.ref(server).narrow(), context.env(), context.upcalls(), client(context.config()))
        .unsafeCast();
  }

  /**
   * The body of {@code call}: the service's operation {@code op} and its arguments ({@code account}
   * and {@code amount} for the counter; {@code dir}, {@code name}, {@code file}, {@code offset},
   * {@code count}, {@code data}, {@code from}, {@code to} for the file server), an optional {@code
   * requestId} (the same id again is a duplicate) and optional {@code semantics} (must be the kind's).
   */
  public record Request(@JsonProperty(required = true) String op, String account, Long amount, String dir,
      String name, String file, Integer offset, Integer count, String data, String from, String to, Long requestId,
      String semantics) {
    public Request {
      if (requestId != null && requestId < 1) {
        throw new IllegalArgumentException("\"requestId\" is a whole number >= 1, got " + requestId);
      }
      if (amount != null && Math.abs(amount) > Long.MAX_VALUE / 2) {
        throw new IllegalArgumentException("\"amount\" is at most " + Long.MAX_VALUE / 2 + " either way, got "
            + amount);
      }
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(Operation.of("call", Request.class, this::call));
  }

  private boolean counter() {
    return service instanceof CounterService;
  }

  private Invocation call(Caller caller, Request body) {
    NodeSettings node = caller.node();
    if (node.node().equals(node.group().get(0))) {
      throw new IllegalArgumentException(node.node() + " runs the server of this group; call at one of its"
          + " clients " + node.group().subList(1, node.group().size()));
    }
    if (body.semantics() != null && !body.semantics().replace('-', '_').equalsIgnoreCase(semantics.name())) {
      throw new IllegalArgumentException("this instance is " + semantics.name().toLowerCase(Locale.ROOT)
          .replace('_', '-') + " (the server decides the semantics): start kind " + (counter() ? "rpc" : "nfs")
          + (semantics == Semantics.AT_MOST_ONCE ? "-at-least-once" : "") + " for the other");
    }
    long id = body.requestId() != null ? body.requestId() : IDS.incrementAndGet();
    WireMessage request = counter() ? counterRequest(body) : nfsRequest(body);
    return Invocation.answeredBy(new RpcClient.Call(id, request), RpcUpcall.class, RpcKind::requestIdOf, id);
  }

  /** The request id an upcall answers: a reply's or a failure's. */
  private static Long requestIdOf(RpcUpcall upcall) {
    if (upcall instanceof RpcReply r) {
      return r.requestId();
    }
    return upcall instanceof RpcFailed f ? f.requestId() : null;
  }

  private List<String> requests() {
    return counter() ? List.of("increment", "balance") : List.of("lookup", "create", "read", "write", "rename");
  }

  private WireMessage counterRequest(Request body) {
    String account = body.account() == null ? "counter" : body.account();
    return switch (body.op()) {
      case "increment" -> new CounterService.Deposit(account, body.amount() == null ? 1 : body.amount());
      case "balance" -> new CounterService.Balance(account);
      default -> throw new IllegalArgumentException("unknown operation '" + body.op() + "' of the counter service;"
          + " its operations are " + requests());
    };
  }

  private WireMessage nfsRequest(Request body) {
    NfsServer.FileHandle dir = new NfsServer.FileHandle(body.dir() == null ? "" : body.dir());
    return switch (body.op()) {
      case "lookup" -> new NfsServer.Lookup(dir, required(body.name(), "name"));
      case "create" -> new NfsServer.Create(dir, required(body.name(), "name"));
      case "read" -> new NfsServer.Read(handle(body), body.offset() == null ? 0 : body.offset(),
          body.count() == null ? 4096 : body.count());
      case "write" -> new NfsServer.Write(handle(body), body.offset() == null ? 0 : body.offset(),
          required(body.data(), "data"));
      case "rename" -> new NfsServer.Rename(dir, required(body.from(), "from"), required(body.to(), "to"));
      default -> throw new IllegalArgumentException("unknown operation '" + body.op() + "' of the file server;"
          + " its operations are " + requests());
    };
  }

  /** A file's handle, from {@code "file"}: as a lookup answers it ("/notes"), or a name in the root. */
  private static NfsServer.FileHandle handle(Request body) {
    String file = required(body.file(), "file");
    return new NfsServer.FileHandle(file.startsWith("/") ? file : "/" + file);
  }

  private static String required(String value, String field) {
    if (value == null) {
      throw new IllegalArgumentException("this call needs \"" + field + "\"");
    }
    return value;
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("semantics", semantics);
    long executions = 0;
    Set<Executed> distinct = new HashSet<>();
    long replies = 0;
    long failed = 0;
    long attempts = 0;
    for (UpcallLog.Entry e : upcalls.since(instance, 0)) {
      if (e.upcall() instanceof Executed x) {
        executions++;
        distinct.add(x);
      } else if (e.upcall() instanceof RpcReply r) {
        replies++;
        attempts += r.attempts();
      } else if (e.upcall() instanceof RpcFailed) {
        failed++;
      }
    }
    if (executions > 0) {
      out.put("executionsSinceStart", executions);
      out.put("distinctRequestsExecuted", distinct.size());
    }
    if (replies + failed > 0) {
      out.put("replies", replies);
      out.put("failed", failed);
      out.put("sends", attempts);
    }
    return out;
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return node.node().equals(node.group().get(0))
        ? new RpcServer.GetStatus(replyTo.narrow()) : new RpcClient.GetStatus(replyTo.narrow());
  }
}

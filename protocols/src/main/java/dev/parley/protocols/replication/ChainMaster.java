package dev.parley.protocols.replication;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import dev.parley.protocols.core.Durable;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.replication.ChainReplication.Command;
import dev.parley.protocols.replication.ChainReplication.Config;
import dev.parley.protocols.replication.ChainReplication.Configure;
import dev.parley.protocols.replication.ChainReplication.Member;
import dev.parley.protocols.replication.ChainReplication.Pong;
import dev.parley.protocols.replication.ChainReplication.Request;
import dev.parley.protocols.replication.ChainReplication.Role;
import dev.parley.protocols.replication.ChainReplication.Settings;
import dev.parley.protocols.replication.ChainReplication.Status;
import dev.parley.protocols.replication.ChainReplication.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration master of {@link ChainReplication}: it holds the chain (journaled, one event
 * per configuration), pings every replica with it and a lease every heartbeat, and repairs the chain.
 *
 * <p>The first chain (epoch {@link Config#GENESIS}) is every replica in id order, formed once each
 * has answered a ping (so each member is named with the incarnation it started with). Then, at each
 * heartbeat, in one new configuration: a member that answered with another incarnation restarted
 * and is removed at once; a member silent for {@code suspectAfter} is removed once the lease it was
 * given, running from its last pong, has run out, provided a member that answers holds the store
 * (else removing it could not help); any live replica outside the chain is appended at the tail.
 * After a restart of the master, every member is taken to hold a full lease, as the master cannot
 * know what it granted.
 */
public final class ChainMaster extends EventSourcedBehavior<Command, ChainMaster.Reconfigured, Config> {

  /** The master's one event: the chain is now {@code config}. */
  public record Reconfigured(Config config) implements WireMessage {}

  static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env, Settings settings,
      ActorRef<KvReply> upcalls) {
    return Durable.of((context, timers) -> new ChainMaster(group, timers, peers, env, settings, upcalls));
  }

  private final WriteAhead<Command, Reconfigured, Config> writes;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final Settings settings;
  private final ActorRef<KvReply> upcalls;
  private final Map<NodeId, Long> incarnations = new HashMap<>();
  private final Map<NodeId, Long> lastPong = new HashMap<>();
  private final Map<NodeId, Long> syncedIn = new HashMap<>();
  private final Map<NodeId, Long> leaseGiven = new HashMap<>();
  private final long startedAt;

  private ChainMaster(String group, TimerScheduler<Command> timers, Peers<Command> peers, NodeEnv env,
      Settings settings, ActorRef<KvReply> upcalls) {
    super(PersistenceId.of("chain-master", group));
    this.writes = new WriteAhead<>(Effect());
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.upcalls = upcalls;
    this.startedAt = env.clock().millis();
    timers.startTimerWithFixedDelay(Timer.PING, settings.heartbeat());
  }

  @Override
  public Config emptyState() {
    return Config.NONE;
  }

  @Override
  public CommandHandler<Command, Reconfigured, Config> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Pong.class, this::onPong)
        .onCommand(Timer.class, this::onPing)
        .onCommand(Request.class, this::onRequest)
        .onCommand(ChainReplication.GetStatus.class, this::onGetStatus)
        .onAnyCommand(() -> Effect().none());
  }

  @Override
  public EventHandler<Config, Reconfigured> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Reconfigured.class, (config, e) -> e.config())
        .build();
  }

  private Effect<Reconfigured, Config> onPong(Config config, Pong p) {
    incarnations.put(p.from(), p.incarnation());
    lastPong.put(p.from(), env.clock().millis());
    if (p.synced()) {
      syncedIn.put(p.from(), p.epoch());
    }
    return Effect().none();
  }

  private Effect<Reconfigured, Config> onPing(Config config, Timer t) {
    Config next = repaired(config);
    if (next.equals(config)) {
      ping(config);
      return Effect().none();
    }
    return writes.then(new Reconfigured(next), this::ping);
  }

  /** The next configuration: the chain repaired, or {@code config} itself if nothing changed. */
  private Config repaired(Config config) {
    if (config.epoch() == 0) {
      if (!incarnations.keySet().containsAll(replicas())) {
        return config;
      }
      List<Member> genesis = replicas().stream()
          .map(n -> new Member(n, incarnations.get(n), Config.GENESIS)).toList();
      return new Config(Config.GENESIS, genesis);
    }
    long now = env.clock().millis();
    long epoch = config.epoch() + 1;
    List<Member> alive = config.chain().stream().filter(m -> !restarted(m)).toList();
    List<Member> answering = alive.stream().filter(m -> !silent(m.node(), now)).toList();
    boolean storeKept = answering.stream()
        .anyMatch(m -> syncedIn.getOrDefault(m.node(), -1L) == config.epoch());
    List<Member> chain = new ArrayList<>();
    for (Member m : alive) {
      boolean gone = storeKept && silent(m.node(), now)
          && now >= leaseGiven.getOrDefault(m.node(), startedAt + lease());
      if (!gone) {
        chain.add(m);
      }
    }
    for (NodeId n : replicas()) {
      boolean inChain = chain.stream().anyMatch(m -> m.node().equals(n));
      if (!inChain && incarnations.containsKey(n) && !silent(n, now)) {
        chain.add(new Member(n, incarnations.get(n), epoch));
      }
    }
    return chain.equals(config.chain()) ? config : new Config(epoch, chain);
  }

  /** A member that answered with another incarnation: it restarted, and lost what it held. */
  private boolean restarted(Member m) {
    return incarnations.getOrDefault(m.node(), m.incarnation()) != m.incarnation();
  }

  private boolean silent(NodeId node, long now) {
    return silentFor(node, now) >= settings.suspectAfter().toMillis();
  }

  private long silentFor(NodeId node, long now) {
    return now - lastPong.getOrDefault(node, startedAt);
  }

  /**
   * Sends the configuration to every replica, and to each member a lease running {@code lease}
   * from its last pong: a replica that falls silent is granted nothing more.
   */
  private void ping(Config config) {
    for (NodeId n : replicas()) {
      boolean member = config.chain().stream().anyMatch(m -> m.node().equals(n));
      long leaseUntil = member ? lastPong.getOrDefault(n, startedAt) + lease() : 0;
      if (member) {
        leaseGiven.merge(n, leaseUntil, Math::max);
      }
      peers.tell(n, new Configure(config, leaseUntil));
    }
  }

  private long lease() {
    return settings.lease().toMillis();
  }

  private List<NodeId> replicas() {
    return peers.others().stream().toList();
  }

  private Effect<Reconfigured, Config> onRequest(Config config, Request r) {
    KvRequest request = r.request();
    upcalls.tell(new KvReply.NotLeader(request.id(), request.isWrite() ? config.head() : config.tail()));
    return Effect().none();
  }

  private Effect<Reconfigured, Config> onGetStatus(Config config, ChainReplication.GetStatus g) {
    g.replyTo().tell(new Status(peers.self(), Role.MASTER, config.epoch(), config.nodes(), false, 0, 0, 0,
        Map.of()));
    return Effect().none();
  }
}

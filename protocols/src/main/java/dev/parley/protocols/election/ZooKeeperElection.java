package dev.parley.protocols.election;

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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * ZooKeeper-style election: fast leader election on (last transaction id, node id), then the
 * discovery phase of Zab, in which the followers follow the winner into a new epoch.
 *
 * <p>Model: closed group of N, crash-recovery nodes (the last transaction id and the accepted epoch
 * are on disk), links that lose and delay, partial synchrony. <b>Voting</b> (the notes' ELECTION
 * messages): a node that suspects the leader is gone moves to a new round, votes for itself with its
 * last transaction id and sends its {@link Notification} to all; a node that receives a better vote
 * (higher transaction id, then higher node id) adopts it and sends it on. When the votes it has from
 * a quorum (a majority) agree with its own, and no better one comes within {@code finalizeWait}, it
 * decides. A looking node that hears from a quorum of nodes already following one leader (the leader
 * among them) joins them. <b>Following</b>: each follower sends the chosen leader {@link
 * FollowerInfo} with its accepted epoch; with a quorum the leader proposes a new epoch above all of
 * them ({@link NewEpoch}); a follower accepts an epoch only once and only above the one it accepted
 * before, persists it and acknowledges ({@link AckEpoch}); with a quorum of acknowledgements the
 * leader is established ({@link Established}) and everyone involved announces it. The leader pings
 * its followers every {@code heartbeat}; a follower that hears nothing for {@code leaderTimeout}, and a
 * leader that hears back from less than a quorum, look for a leader again.
 *
 * <p>Guarantees: at most one leader per epoch (an established epoch needs a quorum of nodes that each
 * accepted it from that leader and never accept it again; two quorums overlap); the leader has the
 * highest last transaction id among the quorum that voted for it, so it holds every transaction that
 * quorum committed; a side of a partition without a quorum elects nobody; once the network is stable,
 * the live quorum converges on the node with the highest (last transaction id, id). Cost: O(N^2)
 * notifications per election (each node sends its vote to all, again at every change of vote), then
 * 3 messages per follower to establish the epoch; 2 per follower per heartbeat.
 *
 * <p>Files by role: this one (vocabulary, voting, following) and {@link ZkLeading} (the chosen
 * leader's side of discovery and its heartbeat).
 */
public final class ZooKeeperElection
    extends EventSourcedBehavior<ZooKeeperElection.Command, ZooKeeperElection.Event, ZooKeeperElection.Disk> {

  /** Downcalls, wire messages and timers: the protocol's whole vocabulary. */
  public sealed interface Command extends WireMessage
      permits Notification, FollowerInfo, NewEpoch, AckEpoch, Established, Ping, Pong,
          SetLastTransaction, GetStatus, Timer {}

  /** Downcall: reply with this node's {@link ElectionStatus}. */
  public record GetStatus(ActorRef<ElectionStatus> replyTo) implements Command {}

  /** How the election family drives this protocol ({@link ElectionProtocol}). */
  public static final ElectionProtocol<Command> ELECTION = ElectionProtocol.of(GetStatus::new);

  /** Where a node is: looking for a leader, following one, or leading. */
  public enum Phase { LOOKING, FOLLOWING, LEADING }

  /** A vote for {@code leader}, whose last transaction id is {@code zxid}. */
  public record Vote(NodeId leader, long zxid) implements WireMessage {
    /** Higher transaction id first, then higher node id. */
    public boolean isBetterThan(Vote other) {
      return zxid != other.zxid ? zxid > other.zxid : leader.compareTo(other.leader) > 0;
    }
  }

  /** {@code from}'s current vote in election round {@code round}, and where it is. */
  public record Notification(NodeId from, Phase phase, long round, Vote vote, long epoch) implements Command {}

  /** A follower tells the leader it chose the last epoch it accepted. */
  public record FollowerInfo(NodeId from, long acceptedEpoch) implements Command {}

  /** The leader proposes {@code epoch}. */
  public record NewEpoch(NodeId leader, long epoch) implements Command {}

  /** {@code from} accepted {@code epoch} (and has it on disk). */
  public record AckEpoch(NodeId from, long epoch) implements Command {}

  /** A quorum accepted: {@code leader} leads in {@code epoch}. */
  public record Established(NodeId leader, long epoch) implements Command {}

  /** The leader's heartbeat. */
  public record Ping(NodeId leader, long epoch) implements Command {}

  /** A follower's answer to a heartbeat. */
  public record Pong(NodeId from, long epoch) implements Command {}

  /** Downcall from the layer above (the replicated log): this node's last transaction id is now {@code zxid}. */
  public record SetLastTransaction(long zxid) implements Command {}

  private enum Timer implements Command { START, RENOTIFY, FINALIZE, RETRY_INFO, SYNC_TIMEOUT, PING, LEADER_SILENT }

  /** What a node keeps on disk: the last epoch it accepted (and from whom), its last transaction id. */
  public record Disk(long acceptedEpoch, NodeId acceptedFrom, long lastZxid) implements WireMessage {}

  /** What is persisted. */
  public sealed interface Event extends WireMessage permits EpochAccepted, TransactionLogged {}

  /** The node accepted {@code epoch} proposed by {@code leader}. */
  public record EpochAccepted(long epoch, NodeId leader) implements Event {}

  /** The node's last transaction id became {@code zxid}. */
  public record TransactionLogged(long zxid) implements Event {}

  /**
   * @param heartbeat how often the leader pings its followers (and a follower re-sends its info)
   * @param leaderTimeout how long a follower waits for a ping, and a leader for a quorum of pongs;
   *     also how often a looking node re-sends its vote, in case it was lost
   * @param finalizeWait how long a node waits for a better vote once a quorum agrees with its own
   * @param syncTimeout how long the following phase may take before the node looks again
   */
  public record Settings(Duration heartbeat, Duration leaderTimeout, Duration finalizeWait, Duration syncTimeout) {
    public Settings {
      Objects.requireNonNull(heartbeat, "heartbeat");
      Objects.requireNonNull(leaderTimeout, "leaderTimeout");
      Objects.requireNonNull(finalizeWait, "finalizeWait");
      Objects.requireNonNull(syncTimeout, "syncTimeout");
      if (heartbeat.isZero() || heartbeat.isNegative() || leaderTimeout.compareTo(heartbeat) <= 0
          || finalizeWait.isNegative() || syncTimeout.compareTo(heartbeat) <= 0) {
        throw new IllegalArgumentException("a ZooKeeper election needs 0 < heartbeat < leaderTimeout, "
            + "heartbeat < syncTimeout and finalizeWait >= 0, got " + this);
      }
    }
  }

  /**
   * The election of {@code peers.self()} in ensemble {@code group}, whose last transaction id is
   * {@code initialZxid} until the layer above sets it (persistence id {@code zookeeper-election|<group>/<node>}).
   */
  public static Behavior<Command> create(String group, Peers<Command> peers, NodeEnv env,
      Settings settings, long initialZxid, ActorRef<LeaderElected> listener) {
    return Durable.of((c, timers) -> new ZooKeeperElection(group, timers, peers, env, settings, initialZxid, listener));
  }

  private final TimerScheduler<Command> timers;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final Settings settings;
  private final long initialZxid;
  private final ActorRef<LeaderElected> listener;
  private final Map<NodeId, Vote> votes = new HashMap<>();
  private final Map<NodeId, Notification> settled = new HashMap<>();
  private Phase phase = Phase.LOOKING;
  private boolean established;
  private long round;
  private Vote vote;
  private NodeId leader;
  private long epoch;
  private final WriteAhead<Command, Event, Disk> writes;
  private final ZkLeading leading;

  private ZooKeeperElection(String group, TimerScheduler<Command> timers, Peers<Command> peers,
      NodeEnv env, Settings settings, long initialZxid, ActorRef<LeaderElected> listener) {
    super(PersistenceId.of("zookeeper-election", group + "/" + peers.self().name()));
    this.timers = timers;
    this.peers = peers;
    this.env = env;
    this.settings = settings;
    this.initialZxid = initialZxid;
    this.listener = listener;
    this.writes = new WriteAhead<>(Effect());
    this.leading = new ZkLeading(new ZkLeading.Election() {
      @Override
      public boolean leading() {
        return phase == Phase.LEADING;
      }

      @Override
      public boolean established() {
        return established;
      }

      @Override
      public long epoch() {
        return epoch;
      }

      @Override
      public void establish(long leaderEpoch) {
        established = true;
        epoch = leaderEpoch;
        timers.cancel(Timer.SYNC_TIMEOUT);
        announce();
      }

      @Override
      public void lookForLeader(Disk disk) {
        ZooKeeperElection.this.lookForLeader(disk);
      }
    }, writes, peers, env, settings);
    timers.startSingleTimer(Timer.START, Duration.ZERO); // after recovery: the vote needs the last zxid
  }

  @Override
  public Disk emptyState() {
    return new Disk(0, null, initialZxid);
  }

  @Override
  public CommandHandler<Command, Event, Disk> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Notification.class, this::onNotification)
        .onCommand(FollowerInfo.class, leading::onFollowerInfo)
        .onCommand(NewEpoch.class, this::onNewEpoch)
        .onCommand(AckEpoch.class, (disk, a) -> {
          leading.onAckEpoch(a, timers, Timer.PING);
          return Effect().none();
        })
        .onCommand(Established.class, this::onEstablished)
        .onCommand(Ping.class, this::onPing)
        .onCommand(Pong.class, (disk, p) -> {
          leading.onPong(p);
          return Effect().none();
        })
        .onCommand(SetLastTransaction.class, (disk, s) -> s.zxid() > disk.lastZxid()
            ? writes.write(List.of(new TransactionLogged(s.zxid()))) : Effect().none())
        .onCommand(GetStatus.class, this::onGetStatus)
        .onCommand(Timer.class, this::onTimer)
        .build();
  }

  @Override
  public EventHandler<Disk, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(EpochAccepted.class, (d, e) -> new Disk(e.epoch(), e.leader(), d.lastZxid()))
        .onEvent(TransactionLogged.class, (d, e) -> new Disk(d.acceptedEpoch(), d.acceptedFrom(), e.zxid()))
        .build();
  }

  // ---------------------------------------------------------------- voting

  private void lookForLeader(Disk disk) {
    phase = Phase.LOOKING;
    established = false;
    leader = null;
    round++;
    vote = new Vote(self(), disk.lastZxid());
    votes.clear();
    votes.put(self(), vote);
    settled.clear();
    List.of(Timer.FINALIZE, Timer.RETRY_INFO, Timer.SYNC_TIMEOUT, Timer.PING, Timer.LEADER_SILENT)
        .forEach(timers::cancel);
    timers.startTimerWithFixedDelay(Timer.RENOTIFY, settings.leaderTimeout());
    peers.tellOthers(notification(disk));
  }

  private Notification notification(Disk disk) {
    return new Notification(self(), phase, round, vote, phase == Phase.LOOKING ? disk.acceptedEpoch() : epoch);
  }

  private Effect<Event, Disk> onNotification(Disk disk, Notification n) {
    if (phase != Phase.LOOKING) {
      if (n.phase() == Phase.LOOKING) {
        peers.tell(n.from(), notification(disk)); // tell a looking node whom we follow
      }
      return Effect().none();
    }
    if (n.phase() != Phase.LOOKING) {
      settled.put(n.from(), n);
      joinEstablished(disk, n.vote().leader());
      return Effect().none();
    }
    if (n.round() < round) {
      peers.tell(n.from(), notification(disk));
      return Effect().none();
    }
    if (n.round() > round) {
      round = n.round();
      votes.clear();
      Vote own = new Vote(self(), disk.lastZxid());
      vote = n.vote().isBetterThan(own) ? n.vote() : own;
      votes.put(self(), vote);
      peers.tellOthers(notification(disk));
    } else if (n.vote().isBetterThan(vote)) {
      vote = n.vote();
      votes.put(self(), vote);
      peers.tellOthers(notification(disk));
    }
    // Within a round a node's vote only gets better, so the best one heard from it is its latest,
    // even when the links reorder its notifications.
    votes.merge(n.from(), n.vote(), (heard, now) -> now.isBetterThan(heard) ? now : heard);
    if (agreeing(vote.leader()) == peers.size()) {
      decide(disk, vote.leader());
    } else if (isQuorum(agreeing(vote.leader())) && !timers.isTimerActive(Timer.FINALIZE)) {
      timers.startSingleTimer(Timer.FINALIZE, settings.finalizeWait());
    }
    return Effect().none();
  }

  private int agreeing(NodeId candidate) {
    int n = 0;
    for (Vote v : votes.values()) {
      if (v.leader().equals(candidate)) {
        n++;
      }
    }
    return n;
  }

  /** A quorum (this node included) already follows {@code candidate}, which says it leads: join them. */
  private void joinEstablished(Disk disk, NodeId candidate) {
    Notification claim = settled.get(candidate);
    if (claim == null || claim.phase() != Phase.LEADING) {
      return;
    }
    int following = 1;
    for (Notification n : settled.values()) {
      if (n.vote().leader().equals(candidate)) {
        following++;
      }
    }
    if (isQuorum(following)) {
      decide(disk, candidate);
    }
  }

  private void decide(Disk disk, NodeId chosen) {
    timers.cancel(Timer.FINALIZE);
    timers.cancel(Timer.RENOTIFY);
    leader = chosen;
    vote = new Vote(chosen, vote.zxid());
    established = false;
    timers.startSingleTimer(Timer.SYNC_TIMEOUT, settings.syncTimeout());
    if (chosen.equals(self())) {
      phase = Phase.LEADING;
      leading.chosen();
    } else {
      phase = Phase.FOLLOWING;
      peers.tell(chosen, new FollowerInfo(self(), disk.acceptedEpoch()));
      timers.startTimerWithFixedDelay(Timer.RETRY_INFO, settings.heartbeat());
    }
  }

  // ---------------------------------------------------------------- following into a new epoch

  private Effect<Event, Disk> onNewEpoch(Disk disk, NewEpoch ne) {
    if (phase != Phase.FOLLOWING || established || !ne.leader().equals(leader)) {
      return Effect().none();
    }
    if (ne.epoch() > disk.acceptedEpoch()) {
      return writes.then(new EpochAccepted(ne.epoch(), ne.leader()),
          d -> peers.tell(ne.leader(), new AckEpoch(self(), ne.epoch())));
    }
    if (ne.epoch() == disk.acceptedEpoch() && ne.leader().equals(disk.acceptedFrom())) {
      peers.tell(ne.leader(), new AckEpoch(self(), ne.epoch())); // our acknowledgement was lost
    }
    return Effect().none();
  }

  private Effect<Event, Disk> onEstablished(Disk disk, Established es) {
    if (phase != Phase.FOLLOWING || !es.leader().equals(leader) || es.epoch() < disk.acceptedEpoch()) {
      return Effect().none();
    }
    if (es.epoch() > disk.acceptedEpoch()) { // joining a leader established without us
      return writes.then(new EpochAccepted(es.epoch(), es.leader()), d -> following(es.epoch()));
    }
    if (es.leader().equals(disk.acceptedFrom())) {
      following(es.epoch());
    }
    return Effect().none();
  }

  private void following(long establishedEpoch) {
    if (established && epoch == establishedEpoch) {
      return;
    }
    established = true;
    epoch = establishedEpoch;
    timers.cancel(Timer.SYNC_TIMEOUT);
    timers.cancel(Timer.RETRY_INFO);
    timers.startSingleTimer(Timer.LEADER_SILENT, settings.leaderTimeout());
    announce();
  }

  private void announce() {
    listener.tell(new LeaderElected(self(), leader, epoch));
  }

  // ---------------------------------------------------------------- heartbeats and timers

  private Effect<Event, Disk> onPing(Disk disk, Ping p) {
    if (phase == Phase.FOLLOWING && established && p.leader().equals(leader) && p.epoch() == epoch) {
      timers.startSingleTimer(Timer.LEADER_SILENT, settings.leaderTimeout());
      peers.tell(p.leader(), new Pong(self(), epoch));
    }
    return Effect().none();
  }

  private Effect<Event, Disk> onTimer(Disk disk, Timer t) {
    switch (t) {
      case START, LEADER_SILENT -> lookForLeader(disk);
      case SYNC_TIMEOUT -> {
        if (!established) {
          lookForLeader(disk);
        }
      }
      case RENOTIFY -> {
        if (phase == Phase.LOOKING) {
          peers.tellOthers(notification(disk));
        }
      }
      case FINALIZE -> {
        if (phase == Phase.LOOKING && isQuorum(agreeing(vote.leader()))) {
          decide(disk, vote.leader());
        }
      }
      case RETRY_INFO -> {
        if (phase == Phase.FOLLOWING && !established) {
          peers.tell(leader, new FollowerInfo(self(), disk.acceptedEpoch()));
        }
      }
      case PING -> leading.ping(disk);
    }
    return Effect().none();
  }

  private boolean isQuorum(int count) {
    return count > peers.size() / 2;
  }

  private long now() {
    return env.clock().millis();
  }

  // ---------------------------------------------------------------- status

  private Effect<Event, Disk> onGetStatus(Disk disk, GetStatus g) {
    Role role = !established ? Role.ELECTING : phase == Phase.LEADING ? Role.LEADER : Role.FOLLOWER;
    g.replyTo().tell(new ElectionStatus(self(), role, established ? leader : null,
        established ? epoch : disk.acceptedEpoch(), leading.suspects()));
    return Effect().none();
  }

  private NodeId self() {
    return peers.self();
  }
}

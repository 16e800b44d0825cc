package dev.parley.protocols.election;

import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WriteAhead;
import dev.parley.protocols.election.ZooKeeperElection.AckEpoch;
import dev.parley.protocols.election.ZooKeeperElection.Command;
import dev.parley.protocols.election.ZooKeeperElection.Disk;
import dev.parley.protocols.election.ZooKeeperElection.EpochAccepted;
import dev.parley.protocols.election.ZooKeeperElection.Established;
import dev.parley.protocols.election.ZooKeeperElection.Event;
import dev.parley.protocols.election.ZooKeeperElection.FollowerInfo;
import dev.parley.protocols.election.ZooKeeperElection.NewEpoch;
import dev.parley.protocols.election.ZooKeeperElection.Ping;
import dev.parley.protocols.election.ZooKeeperElection.Pong;
import dev.parley.protocols.election.ZooKeeperElection.Settings;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The chosen leader's side of {@link ZooKeeperElection}'s discovery (whose head comment has the
 * model, guarantees and cost): it gathers a quorum's {@link FollowerInfo}, proposes an epoch above
 * all of theirs (persisted before it is sent), is established once a quorum acknowledged it, and
 * keeps its followers by heartbeat, stepping down when fewer than a quorum answer.
 */
final class ZkLeading {

  /** What the leader's side asks of the election it serves. */
  interface Election {
    /** Whether this node leads (chosen, established or not). */
    boolean leading();

    boolean established();

    long epoch();

    /** A quorum acknowledged {@code epoch}: this node leads it. */
    void establish(long epoch);

    /** This leadership is over: look for a leader again. */
    void lookForLeader(Disk disk);
  }

  private final Election election;
  private final WriteAhead<Command, Event, Disk> writes;
  private final Peers<Command> peers;
  private final NodeEnv env;
  private final Settings settings;
  private final Map<NodeId, Long> infos = new HashMap<>();
  private final Set<NodeId> acks = new HashSet<>();
  private final Map<NodeId, Long> lastPongMillis = new HashMap<>();
  private long proposedEpoch = -1;

  ZkLeading(Election election, WriteAhead<Command, Event, Disk> writes, Peers<Command> peers, NodeEnv env,
      Settings settings) {
    this.election = election;
    this.writes = writes;
    this.peers = peers;
    this.env = env;
    this.settings = settings;
  }

  /** This node was chosen: discovery starts afresh. */
  void chosen() {
    proposedEpoch = -1;
    infos.clear();
    acks.clear();
  }

  Effect<Event, Disk> onFollowerInfo(Disk disk, FollowerInfo f) {
    if (!election.leading()) {
      return writes.none(); // the follower retries until we decide, or gives up
    }
    if (election.established()) {
      if (f.acceptedEpoch() > election.epoch()) {
        election.lookForLeader(disk); // a newer epoch exists somewhere: this leadership is stale
      } else {
        lastPongMillis.put(f.from(), now());
        peers.tell(f.from(), new Established(peers.self(), election.epoch()));
      }
      return writes.none();
    }
    if (proposedEpoch >= 0) {
      if (f.acceptedEpoch() < proposedEpoch) {
        peers.tell(f.from(), new NewEpoch(peers.self(), proposedEpoch));
      }
      return writes.none();
    }
    infos.put(f.from(), f.acceptedEpoch());
    if (!isQuorum(infos.size() + 1)) {
      return writes.none();
    }
    long highest = disk.acceptedEpoch();
    for (long e : infos.values()) {
      highest = Math.max(highest, e);
    }
    long proposal = highest + 1;
    proposedEpoch = proposal;
    return writes.then(new EpochAccepted(proposal, peers.self()), d -> {
      acks.add(peers.self());
      infos.keySet().forEach(follower -> peers.tell(follower, new NewEpoch(peers.self(), proposal)));
    });
  }

  void onAckEpoch(AckEpoch a, TimerScheduler<Command> timers, Command pingTimer) {
    if (!election.leading() || election.established() || a.epoch() != proposedEpoch) {
      return;
    }
    acks.add(a.from());
    if (isQuorum(acks.size())) {
      election.establish(proposedEpoch);
      lastPongMillis.clear();
      long now = now();
      for (NodeId follower : acks) {
        if (!follower.equals(peers.self())) {
          lastPongMillis.put(follower, now);
          peers.tell(follower, new Established(peers.self(), proposedEpoch));
        }
      }
      timers.startTimerWithFixedDelay(pingTimer, settings.heartbeat());
    }
  }

  void onPong(Pong p) {
    if (election.leading() && election.established() && p.epoch() == election.epoch()) {
      lastPongMillis.put(p.from(), now());
    }
  }

  /** The heartbeat: pings the followers; cut off from a quorum, stops leading. */
  void ping(Disk disk) {
    peers.tellOthers(new Ping(peers.self(), election.epoch()));
    if (!isQuorum(1 + responsive().size())) {
      election.lookForLeader(disk);
    }
  }

  /** The followers an established leader has not heard from within {@code leaderTimeout} (else none). */
  SortedSet<NodeId> suspects() {
    SortedSet<NodeId> suspects = new TreeSet<>();
    if (election.leading() && election.established()) {
      suspects.addAll(peers.others());
      suspects.removeAll(responsive());
    }
    return suspects;
  }

  /** The followers heard from within {@code leaderTimeout}. */
  private Set<NodeId> responsive() {
    long now = now();
    Set<NodeId> alive = new HashSet<>();
    lastPongMillis.forEach((node, at) -> {
      if (now - at <= settings.leaderTimeout().toMillis()) {
        alive.add(node);
      }
    });
    return alive;
  }

  private boolean isQuorum(int count) {
    return count > peers.size() / 2;
  }

  private long now() {
    return env.clock().millis();
  }
}

package dev.parley.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.election.Bully;
import dev.parley.protocols.election.LeaderElected;
import dev.parley.protocols.election.RaftElection;
import dev.parley.protocols.election.RingElection;
import dev.parley.protocols.election.ZooKeeperElection;
import java.time.Duration;

/** Parley's four elections with the settings the failover harness runs them with. */
enum ParleyElections {
  BULLY("bully", "heartbeat 25 ms, leader timeout 100 ms, answer timeout 40 ms", ms(25), ms(100)),
  RING("ring", "heartbeat 25 ms, leader timeout 100 ms, ack timeout 40 ms", ms(25), ms(100)),
  ZOOKEEPER("ZooKeeper-style", "ping 25 ms, leader timeout 100 ms, finalize wait 20 ms", ms(25), ms(100)),
  RAFT("Raft", "heartbeat 50 ms, election timeout 150-300 ms (as Ratis)", ms(50), ms(150));

  final String label;
  final String settings;
  /** How often the leader shows it is alive, and after how long its silence counts as a crash. */
  final Duration heartbeat;
  final Duration timeout;

  ParleyElections(String label, String settings, Duration heartbeat, Duration timeout) {
    this.label = label;
    this.settings = settings;
    this.heartbeat = heartbeat;
    this.timeout = timeout;
  }

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** The election of one node; {@code group} names its journal entries (Raft, ZooKeeper). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  Behavior<?> create(String group, Peers<?> peers, NodeEnv env, ActorRef<LeaderElected> listener) {
    return switch (this) {
      case BULLY -> Bully.create((Peers) peers, new Bully.Settings(ms(25), ms(100), ms(40), ms(120)), listener);
      case RING -> RingElection.create((Peers) peers, new RingElection.Settings(ms(25), ms(100), ms(40), ms(1000)),
          listener);
      case ZOOKEEPER -> ZooKeeperElection.create(group, (Peers) peers, env,
          new ZooKeeperElection.Settings(ms(25), ms(100), ms(20), ms(300)), 0, listener);
      case RAFT -> RaftElection.create(group, (Peers) peers, env, new RaftElection.Settings(ms(50), ms(150), ms(300)),
          listener);
    };
  }
}

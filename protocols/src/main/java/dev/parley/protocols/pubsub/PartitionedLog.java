package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionStateMachine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A partitioned log in the style of Kafka: topics split into partitions, records appended to a
 * partition chosen by their key, read back from an offset, consumer groups' positions committed
 * and resumed, and retention by age and by size; every partition replicated by Raft.
 *
 * <p>Model: a broker on each node of a Raft group ({@link Raft} over the log's own state machine,
 * {@link LogStore}, which keeps named logs and consumer groups' positions); crash-recovery nodes
 * with their Raft state on disk, links that lose, delay and reorder. The partitions of every topic
 * share the one Raft group of the broker's instance, each partition a log of its own (named {@code
 * topic/p}), so one leader orders all appends (one group is enough for a handful of nodes; a bigger deployment would run
 * several groups and spread partitions over them). A topic has the partitions its settings give
 * (or the default number, for a topic first used without settings); a record with a key goes to
 * partition {@code floorMod(key.hashCode(), partitions)} ({@link String#hashCode} is fixed by the
 * language, so every broker and every run agrees), a record without a key to the next partition
 * in turn. A broker turns each client call into a request to its own Raft replica and answers the
 * client once the replica answers, which for a write is once the entry is committed and applied:
 * an append is acknowledged with its (partition, offset) only when a majority holds it. A broker
 * whose replica is not the leader answers {@link NotLeader} naming the leader, for the client (or
 * the HTTP face, with a 307) to go there. A consumer group's positions are kept in the same store,
 * by partition log. Retention: every {@code retentionInterval} each
 * broker asks its replica to trim every partition of the topics it knows (configured, or used
 * through it since it started); only the leader's replica takes them, the cutoff (now minus the
 * topic's maximum age) travels in the request, so every replica deletes the same records.
 *
 * <p>Guarantees: per partition, offsets are consecutive from 0 in append order and a read returns
 * records in that order; an acknowledged record is never lost while a majority's disks survive (a
 * committed Raft entry); a record is deleted only by retention and only from the start of its
 * partition: a record stamped before the cutoff of the last trim, or beyond the topic's maximum
 * records or bytes counted from the end, is gone, every other one kept (stamps are non-decreasing
 * along a partition, so what is due is always a prefix). Reads go through the Raft log, so they
 * see every acknowledged append. Appends are at least once: a client that retries after a lost
 * answer may append twice (as Kafka without idempotent producers).
 *
 * <p>Limits: the records are in the Raft group's state machine, so its snapshots carry every record
 * retention has not deleted (and a snapshot sent to a lagging follower must fit one message on a
 * cluster).
 *
 * <p>Cost: one Raft round per batch of requests (the leader batches concurrent appends); a read is
 * a Raft round too; committing a position is one write, reading a group's positions one read;
 * retention one trim per partition per interval.
 *
 * <p>The actor is a {@code Behavior<Object>}: it takes its own {@link Command}s, and the {@link
 * Raft.Command}s its peers' replicas send (passed to its replica, a child, as is a status query,
 * {@link RaftKv.GetStatus}); its peers are the other nodes' brokers. The broker's logic is {@link
 * LogBroker}, free of actors so the deterministic simulation runs it beside replicas made by {@link
 * #replica}.
 */
public final class PartitionedLog {

  private PartitionedLog() {}

  // ---------------------------------------------------------------- settings

  /**
   * A topic's partitions and retention.
   *
   * @param partitions how many partitions (at least 1)
   * @param maxAge records older than this are deleted (null: no age limit)
   * @param maxRecords each partition keeps at most this many records ({@link Long#MAX_VALUE}: no limit)
   * @param maxBytes each partition keeps at most this many bytes of values ({@link Long#MAX_VALUE}: no limit)
   */
  public record Topic(int partitions, Duration maxAge, long maxRecords, long maxBytes) implements WireMessage {

    public static Topic of(int partitions) {
      return new Topic(partitions, null, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public Topic {
      if (partitions < 1) {
        throw new IllegalArgumentException("a topic has at least 1 partition, got " + partitions);
      }
      if (maxRecords < 0 || maxBytes < 0 || maxAge != null && maxAge.isNegative()) {
        throw new IllegalArgumentException("retention limits are >= 0, got " + maxAge + ", " + maxRecords
            + ", " + maxBytes);
      }
    }

    public Topic withMaxAge(Duration age) {
      return new Topic(partitions, age, maxRecords, maxBytes);
    }

    public Topic withMaxRecords(long records) {
      return new Topic(partitions, maxAge, records, maxBytes);
    }

    public Topic withMaxBytes(long bytes) {
      return new Topic(partitions, maxAge, maxRecords, bytes);
    }

    boolean hasRetention() {
      return maxAge != null || maxRecords != Long.MAX_VALUE || maxBytes != Long.MAX_VALUE;
    }
  }

  /**
   * @param topics the configured topics by name
   * @param defaultTopic what a topic first used without configuration gets
   * @param retentionInterval how often a broker asks for retention
   * @param timeout how long a broker waits for its replica before answering {@link Failed}
   * @param raft the Raft group's settings
   */
  public record Settings(Map<String, Topic> topics, Topic defaultTopic, Duration retentionInterval,
      Duration timeout, Raft.Settings raft) {

    /** Four partitions per topic, no retention, checked every second; Raft's defaults. */
    public static final Settings DEFAULT = new Settings(Map.of(), Topic.of(4), Duration.ofSeconds(1),
        Duration.ofSeconds(5), Raft.Settings.DEFAULT);

    public Settings {
      topics = Map.copyOf(topics);
      Objects.requireNonNull(defaultTopic, "defaultTopic");
      Objects.requireNonNull(raft, "raft");
    }

    public Settings withTopic(String name, Topic topic) {
      Map<String, Topic> all = new HashMap<>(topics);
      all.put(name, topic);
      return new Settings(all, defaultTopic, retentionInterval, timeout, raft);
    }

    public Settings withRetentionInterval(Duration interval) {
      return new Settings(topics, defaultTopic, interval, timeout, raft);
    }

    public Settings withTimeout(Duration t) {
      return new Settings(topics, defaultTopic, retentionInterval, t, raft);
    }

    public Settings withRaft(Raft.Settings r) {
      return new Settings(topics, defaultTopic, retentionInterval, timeout, r);
    }

    public Topic topic(String name) {
      return topics.getOrDefault(name, defaultTopic);
    }
  }

  /** The partition of a record with key {@code key} in a topic of {@code partitions} partitions. */
  public static int partitionOf(String key, int partitions) {
    return Math.floorMod(key.hashCode(), partitions);
  }

  /** The name of partition {@code p}'s log in the replicated {@link LogStore}. */
  public static String logName(String topic, int partition) {
    return topic + "/" + partition;
  }

  // ---------------------------------------------------------------- vocabulary

  /** Downcalls, each naming its {@code call} so its answer (a {@link Reply}) can be matched. */
  public sealed interface Command extends WireMessage
      permits Append, Read, CommitOffset, Positions, GetStatus, Internal {}

  /** Append {@code value} with {@code key} (null: the next partition in turn) to {@code topic}. */
  public record Append(String call, String topic, String key, String value) implements Command {}

  /** Read at most {@code max} records of partition {@code partition} of {@code topic} from {@code from}. */
  public record Read(String call, String topic, int partition, long from, int max) implements Command {}

  /** Record that {@code group} has consumed partition {@code partition} of {@code topic} up to {@code offset}. */
  public record CommitOffset(String call, String group, String topic, int partition, long offset)
      implements Command {}

  /** The positions {@code group} committed in the partitions of {@code topic}. */
  public record Positions(String call, String group, String topic) implements Command {}

  /** Reply with this broker's {@link Status}. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** A broker's state: the calls it awaits answers for, and the topics it knows. */
  public record Status(NodeId node, int pending, List<String> topics) implements WireMessage {}

  enum Internal implements Command {
    /** Timer: ask for retention. */
    RETENTION,
    /** Timer: fail the calls waiting past the timeout. */
    EXPIRE
  }

  /** Upcalls: the answer to the call named {@code call}. */
  public sealed interface Reply extends WireMessage
      permits Appended, Records, Committed, GroupPositions, NotLeader, Rejected, Failed {
    String call();
  }

  /** The record is committed at {@code offset} of partition {@code partition}, stamped {@code timestamp}. */
  public record Appended(String call, String topic, int partition, long offset, long timestamp) implements Reply {}

  /**
   * Records of partition {@code partition} in offset order, and the partition's {@code start} (first
   * offset held; before it retention deleted), {@code end} (next offset), and the age cutoff of its
   * last retention ({@code trimmedBefore}, epoch millis, {@link Long#MIN_VALUE} if none).
   */
  public record Records(String call, String topic, int partition, long start, long end, long trimmedBefore,
      List<LogRecord> records) implements Reply {
    public Records {
      records = List.copyOf(records);
    }
  }

  /** The group's position is committed. */
  public record Committed(String call, String group, String topic, int partition, long offset) implements Reply {}

  /** The group's committed positions, by partition (a partition it never committed is absent). */
  public record GroupPositions(String call, String group, String topic, Map<Integer, Long> positions)
      implements Reply {
    public GroupPositions {
      positions = Map.copyOf(positions);
    }
  }

  /** This broker does not lead; {@code leader} does (null: unknown now). The call had no effect. */
  public record NotLeader(String call, NodeId leader) implements Reply {}

  /** The call was wrong: {@code reason} says what (a partition the topic does not have). */
  public record Rejected(String call, String reason) implements Reply {}

  /** No answer: {@code reason}. A write may or may not have taken effect. */
  public record Failed(String call, String reason) implements Reply {}

  // ---------------------------------------------------------------- the actor

  /**
   * The Raft replica of the partitioned log's instance {@code instance} on {@code peers.self()} (the
   * broker's child; persistence id {@code raft-kv|<instance>/<node>}, as before Raft took any state
   * machine, so a journal of then is refused with a clear error rather than ignored): Raft over {@link
   * LogStore#MACHINE}, answering each {@link LogRequest} given to it in a {@link Raft.Submit} with a
   * {@link LogReply} to {@code answers}, and a {@link RaftKv.GetStatus} with the number of logs it holds.
   */
  public static Behavior<Raft.Command> replica(String instance, Peers<Raft.Command> peers, NodeEnv env,
      Settings settings, ActorRef<? super LogReply> answers) {
    return Raft.create("raft-kv", instance, peers, env, settings.raft(), LogStore.MACHINE,
        Raft.<SessionStateMachine.Sessioned<LogStore, LogReply>, LogRequest, LogReply>answering(answers,
            (request, leader) -> new LogReply.NotLeader(request.id(), leader),
            (request, error) -> new LogReply.Failed(request.id(), error))
            .withDowncalls((downcall, raft) -> RaftKv.answerStatus((RaftKv.GetStatus) downcall, raft.status(),
                raft.state().state().logs().size())));
  }

  /**
   * The broker of instance {@code instance} on {@code peers.self()}, its Raft replica a child ({@link
   * #replica}); answers go to {@code upcalls}.
   */
  public static Behavior<Object> create(String instance, Peers<Object> peers, NodeEnv env, Settings settings,
      ActorRef<Reply> upcalls) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      Map<NodeId, ActorRef<Raft.Command>> others = new HashMap<>();
      peers.others().forEach(n -> others.put(n, peers.ref(n).narrow()));
      ActorRef<LogReply> answers = context.getSelf().narrow();
      ActorRef<Raft.Command> replica = context.spawn(
          replica(instance, Peers.of(peers.self(), others), env, settings, answers), "raft");
      // Unique per incarnation: the node's randomness is seeded, so after a restart it repeats itself; the
      // clock does not. A name an earlier incarnation used would meet that incarnation's request ids in
      // the store's client sessions, and be refused or, worse, answered with their first answers.
      String client = "log-" + peers.self().name() + "-" + Long.toHexString(env.clock().millis()) + "-"
          + Long.toHexString(env.random().nextLong());
      LogBroker broker = new LogBroker(peers.self(), client, settings, r -> replica.tell(new Raft.Submit(r)),
          upcalls::tell);
      timers.startTimerWithFixedDelay(Internal.RETENTION, Internal.RETENTION, settings.retentionInterval());
      Duration sweep = settings.timeout().dividedBy(4);
      timers.startTimerWithFixedDelay(Internal.EXPIRE, Internal.EXPIRE, sweep.isZero() ? settings.timeout() : sweep);
      return Behaviors.receive(Object.class)
          .onMessage(GetStatus.class, g -> {
            g.replyTo().tell(broker.status());
            return Behaviors.same();
          })
          .onMessage(Command.class, c -> {
            broker.onCommand(c, env.clock().millis());
            return Behaviors.same();
          })
          .onMessage(LogReply.class, r -> {
            broker.onReply(r);
            return Behaviors.same();
          })
          .onMessage(Raft.Command.class, m -> {
            replica.tell(m);
            return Behaviors.same();
          })
          .build();
    }));
  }
}

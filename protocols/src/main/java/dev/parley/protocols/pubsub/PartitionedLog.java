package dev.parley.protocols.pubsub;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;
import dev.parley.protocols.replication.Get;
import dev.parley.protocols.replication.KvReply;
import dev.parley.protocols.replication.KvRequest;
import dev.parley.protocols.replication.LogRecord;
import dev.parley.protocols.replication.Put;
import dev.parley.protocols.replication.RaftKv;
import dev.parley.protocols.replication.ReadLog;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.Trim;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A partitioned log in the style of Kafka: topics split into partitions, records appended to a
 * partition chosen by their key, read back from an offset, consumer groups' positions committed
 * and resumed, and retention by age and by size; every partition replicated by Raft.
 *
 * <p>Model: a broker on each node of a Raft group ({@link RaftKv}, whose store keeps named logs:
 * {@link Append}, {@link ReadLog}, {@link Trim}); crash-recovery nodes with their Raft state on
 * disk, links that lose, delay and reorder. The partitions of every topic share the one Raft group
 * of the broker's instance, each partition a log of its own (named {@code topic/p}), so one leader
 * orders all appends (one group is enough for a handful of nodes; a bigger deployment would run
 * several groups and spread partitions over them). A topic has the partitions its settings give
 * (or the default number, for a topic first used without settings); a record with a key goes to
 * partition {@code floorMod(key.hashCode(), partitions)} ({@link String#hashCode} is fixed by the
 * language, so every broker and every run agrees), a record without a key to the next partition
 * in turn. A broker turns each client call into a request to its own Raft replica and answers the
 * client once the replica answers, which for a write is once the entry is committed and applied:
 * an append is acknowledged with its (partition, offset) only when a majority holds it. A broker
 * whose replica is not the leader answers {@link NotLeader} naming the leader, for the client (or
 * the HTTP face, with a 307) to go there. A consumer group's position in a partition is the key
 * {@code offsets/group/topic/p} of the same store. Retention: every {@code retentionInterval} each
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
 * <p>Limits: the records are in the Raft store, so its snapshots carry every record retention has
 * not deleted (and a snapshot sent to a lagging follower must fit one message on a cluster).
 *
 * <p>Cost: one Raft round per batch of requests (the leader batches concurrent appends); a read is
 * a Raft round too; committing a position is one write, reading a group's positions one read per
 * partition; retention one trim per partition per interval.
 *
 * <p>The actor is a {@code Behavior<Object>}: it takes its own {@link Command}s, and the {@link
 * RaftKv.Command}s its peers' replicas send (passed to its replica, a child); its peers are the
 * other nodes' brokers. The broker's logic is {@link Broker}, free of actors so the deterministic
 * simulation runs it against a simulated Raft group.
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
      Duration timeout, RaftKv.Settings raft) {

    /** Four partitions per topic, no retention, checked every second; Raft's defaults. */
    public static final Settings DEFAULT = new Settings(Map.of(), Topic.of(4), Duration.ofSeconds(1),
        Duration.ofSeconds(5), RaftKv.Settings.DEFAULT);

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

    public Settings withRaft(RaftKv.Settings r) {
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

  /** The name of partition {@code p}'s log in the replicated store. */
  public static String logName(String topic, int partition) {
    return topic + "/" + partition;
  }

  /** The store key of {@code group}'s position in partition {@code p} of {@code topic}. */
  public static String positionKey(String group, String topic, int partition) {
    return "offsets/" + group + "/" + topic + "/" + partition;
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

  // ---------------------------------------------------------------- the broker, free of actors

  /**
   * One broker's logic: it sends requests to its replica through {@code replica}, is given the
   * replica's answers ({@link #onReply}), and answers its clients through {@code upcalls}. Time
   * comes as arguments. The store applies a client's requests only in the order of their numbers
   * (a request numbered below one applied is answered without effect), and requests in flight
   * together may be reordered on their way; so the broker names each request by a slot that has one
   * request in flight at a time ({@code client/slot}, numbered 1, 2, ... per slot), as many slots as
   * requests it has in flight at once. {@code client} must differ from every earlier incarnation's.
   */
  public static final class Broker {

    private final NodeId self;
    private final String client;
    private final Settings settings;
    private final Consumer<KvRequest> replica;
    private final Consumer<Reply> upcalls;
    private final Map<RequestId, Waiting> waiting = new LinkedHashMap<>();
    private final TreeSet<String> known = new TreeSet<>();
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final List<Long> slotSeq = new ArrayList<>();
    private int nextPartition;

    /** A call awaiting its replica's answer (a group's positions await one answer per partition). */
    private static final class Waiting {
      final Command command;
      final long deadline;
      final int partition;
      final Group group;

      Waiting(Command command, long deadline, int partition, Group group) {
        this.command = command;
        this.deadline = deadline;
        this.partition = partition;
        this.group = group;
      }
    }

    private static final class Group {
      final Map<Integer, Long> positions = new TreeMap<>();
      int remaining;
      boolean answered;
    }

    public Broker(NodeId self, String client, Settings settings, Consumer<KvRequest> replica,
        Consumer<Reply> upcalls) {
      this.self = Objects.requireNonNull(self, "self");
      this.client = Objects.requireNonNull(client, "client");
      this.settings = Objects.requireNonNull(settings, "settings");
      this.replica = replica;
      this.upcalls = upcalls;
      known.addAll(settings.topics().keySet());
    }

    /** The id of the next request, in a free slot (a new one if none is free). */
    private RequestId nextId() {
      Integer slot = freeSlots.pollFirst();
      if (slot == null) {
        slot = slotSeq.size();
        slotSeq.add(0L);
      }
      long seq = slotSeq.get(slot) + 1;
      slotSeq.set(slot, seq);
      return new RequestId(client + "/" + slot, seq);
    }

    private void release(RequestId id) {
      String name = id.client();
      freeSlots.addLast(Integer.parseInt(name.substring(name.lastIndexOf('/') + 1)));
    }

    private void send(KvRequest request, Command command, long now, int partition, Group group) {
      waiting.put(request.id(), new Waiting(command, now + settings.timeout().toMillis(), partition, group));
      replica.accept(request);
    }

    /** A client's call at {@code now} (epoch millis). */
    public void onCommand(Command command, long now) {
      if (command instanceof Append a) {
        Topic topic = topic(a.topic());
        int p = a.key() == null ? Math.floorMod(nextPartition++, topic.partitions())
            : partitionOf(a.key(), topic.partitions());
        send(new dev.parley.protocols.replication.Append(nextId(), logName(a.topic(), p), a.key(), a.value(), now),
            a, now, p, null);
      } else if (command instanceof Read r) {
        if (hasPartition(r.call(), r.topic(), r.partition())) {
          send(new ReadLog(nextId(), logName(r.topic(), r.partition()), r.from(), r.max()), r, now, r.partition(), null);
        }
      } else if (command instanceof CommitOffset c) {
        if (hasPartition(c.call(), c.topic(), c.partition())) {
          send(new Put(nextId(), positionKey(c.group(), c.topic(), c.partition()), Long.toString(c.offset())),
              c, now, c.partition(), null);
        }
      } else if (command instanceof Positions p) {
        Topic topic = topic(p.topic());
        Group group = new Group();
        group.remaining = topic.partitions();
        for (int i = 0; i < topic.partitions(); i++) {
          send(new Get(nextId(), positionKey(p.group(), p.topic(), i)), p, now, i, group);
        }
      } else if (command instanceof Internal i) {
        if (i == Internal.RETENTION) {
          retention(now);
        } else {
          expire(now);
        }
      }
    }

    private Topic topic(String name) {
      known.add(name);
      return settings.topic(name);
    }

    private boolean hasPartition(String call, String topic, int partition) {
      int partitions = topic(topic).partitions();
      if (partition < 0 || partition >= partitions) {
        upcalls.accept(new Rejected(call, "topic '" + topic + "' has partitions 0.." + (partitions - 1)
            + ", not " + partition));
        return false;
      }
      return true;
    }

    /** The replica's answer to one of this broker's requests. */
    public void onReply(KvReply reply) {
      Waiting w = waiting.remove(reply.id());
      if (w == null) {
        return; // expired
      }
      release(reply.id());
      if (w.command == null) {
        return; // a retention trim: nobody to answer
      }
      Command c = w.command;
      if (reply instanceof KvReply.NotLeader n) {
        answerOnce(w, new NotLeader(call(c), n.leader()));
      } else if (reply instanceof KvReply.Unavailable u) {
        answerOnce(w, new Failed(call(c), u.reason()));
      } else if (c instanceof Append a && reply instanceof KvReply.Appended ok) {
        upcalls.accept(new Appended(a.call(), a.topic(), w.partition, ok.offset(), ok.timestamp()));
      } else if (c instanceof Read r && reply instanceof KvReply.Records rs) {
        upcalls.accept(new Records(r.call(), r.topic(), r.partition(), rs.start(), rs.end(), rs.trimmedBefore(),
            rs.records()));
      } else if (c instanceof CommitOffset co && reply instanceof KvReply.Ok) {
        upcalls.accept(new Committed(co.call(), co.group(), co.topic(), co.partition(), co.offset()));
      } else if (c instanceof Positions p && reply instanceof KvReply.Ok ok) {
        if (ok.value() != null) {
          w.group.positions.put(w.partition, Long.parseLong(ok.value()));
        }
        if (--w.group.remaining == 0 && !w.group.answered) {
          w.group.answered = true;
          upcalls.accept(new GroupPositions(p.call(), p.group(), p.topic(), w.group.positions));
        }
      } else {
        answerOnce(w, new Failed(call(c), "unexpected answer " + reply));
      }
    }

    private void answerOnce(Waiting w, Reply reply) {
      if (w.group == null) {
        upcalls.accept(reply);
      } else if (!w.group.answered) {
        w.group.answered = true;
        upcalls.accept(reply);
      }
    }

    private static String call(Command c) {
      if (c instanceof Append a) {
        return a.call();
      } else if (c instanceof Read r) {
        return r.call();
      } else if (c instanceof CommitOffset co) {
        return co.call();
      }
      return ((Positions) c).call();
    }

    /** Asks the replica to trim every partition of every known topic with retention, as of {@code now}. */
    public void retention(long now) {
      for (String name : known) {
        Topic topic = settings.topic(name);
        if (!topic.hasRetention()) {
          continue;
        }
        long cutoff = topic.maxAge() == null ? Long.MIN_VALUE : now - topic.maxAge().toMillis();
        for (int p = 0; p < topic.partitions(); p++) {
          send(new Trim(nextId(), logName(name, p), cutoff, topic.maxRecords(), topic.maxBytes()), null, now, p, null);
        }
      }
    }

    /** Answers {@link Failed} to every call waiting past its deadline at {@code now}. */
    public void expire(long now) {
      for (Iterator<Map.Entry<RequestId, Waiting>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<RequestId, Waiting> e = it.next();
        Waiting w = e.getValue();
        if (w.deadline <= now) {
          it.remove();
          release(e.getKey()); // a late answer to it is dropped; the slot's next request outnumbers it
          if (w.command != null) {
            answerOnce(w, new Failed(call(w.command), "no answer within " + settings.timeout().toMillis()
                + " ms (no leader, or cut off from the majority); a write may still take effect"));
          }
        }
      }
    }

    public Status status() {
      return new Status(self, waiting.size(), new ArrayList<>(known));
    }
  }

  // ---------------------------------------------------------------- the actor

  /**
   * The broker of instance {@code instance} on {@code peers.self()}, its Raft replica a child
   * (persistence id {@code raft-kv|<instance>/<node>}); answers go to {@code upcalls}.
   */
  public static Behavior<Object> create(String instance, Peers<Object> peers, NodeEnv env, Settings settings,
      ActorRef<Reply> upcalls) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      Map<NodeId, ActorRef<RaftKv.Command>> others = new HashMap<>();
      peers.others().forEach(n -> others.put(n, peers.ref(n).narrow()));
      ActorRef<KvReply> answers = context.getSelf().narrow();
      ActorRef<RaftKv.Command> replica = context.spawn(
          RaftKv.create(instance, Peers.of(peers.self(), others), env, settings.raft(), answers), "raft");
      // Unique per incarnation: the node's randomness is seeded, so after a restart it repeats itself; the
      // clock does not. A name an earlier incarnation used would meet that incarnation's request ids in
      // the store's client sessions, and be refused or, worse, answered with their first answers.
      String client = "log-" + peers.self().name() + "-" + Long.toHexString(env.clock().millis()) + "-"
          + Long.toHexString(env.random().nextLong());
      Broker broker = new Broker(peers.self(), client, settings, r -> replica.tell(new RaftKv.Request(r)),
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
          .onMessage(KvReply.class, r -> {
            broker.onReply(r);
            return Behaviors.same();
          })
          .onMessage(RaftKv.Command.class, m -> {
            replica.tell(m);
            return Behaviors.same();
          })
          .build();
    }));
  }
}

package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.parley.protocols.pubsub.PartitionedLog;
import dev.parley.protocols.replication.RaftKv;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The partitioned log ({@link PartitionedLog}, brokers over one Raft group): {@code append}, {@code
 * read}, {@code commit} and {@code positions}, each answered by the {@link PartitionedLog.Reply}
 * upcall naming its call. Offered as {@code POST /protocols/<name>/<op>} with a JSON body and, more
 * conveniently, as {@code /log/<name>/...}. Topics are created on first use with {@code
 * default-partitions} partitions and no retention, except those its configuration section lists
 * under {@code topics} (by default {@code recent}: 2 partitions, records kept 60 s; {@code
 * last-100}: 2 partitions, the last 100 records of each kept).
 */
public final class LogKind implements ProtocolKind, LeaderServed {

  private static final Set<String> TOPIC_SETTINGS = Set.of("partitions", "max-age", "max-records", "max-bytes");

  private static final String CALLS = "http-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  private static final AtomicLong SEQ = new AtomicLong();

  @Override
  public String name() {
    return "partitioned-log";
  }

  @Override
  public String description() {
    return "Kafka-style partitioned log: key-hash partitions replicated by Raft, offsets, consumer groups, retention";
  }

  @Override
  public void checkConfig(KindConfig config) {
    settings(config);
  }

  /** The log's settings: its topics, the default one, retention interval and broker timeout (Raft's own defaults). */
  static PartitionedLog.Settings settings(KindConfig config) {
    Map<String, PartitionedLog.Topic> topics = new TreeMap<>();
    KindConfig configured = config.section("topics");
    for (String name : configured.keys()) {
      topics.put(name, topic(configured.section(name)));
    }
    return new PartitionedLog.Settings(topics, PartitionedLog.Topic.of(config.integer("default-partitions")),
        config.duration("retention-interval"), config.duration("timeout"), PartitionedLog.Settings.DEFAULT.raft());
  }

  private static PartitionedLog.Topic topic(KindConfig c) {
    c.allowOnly(TOPIC_SETTINGS);
    PartitionedLog.Topic topic = PartitionedLog.Topic.of(c.integer("partitions"));
    topic = c.has("max-age") ? topic.withMaxAge(c.duration("max-age")) : topic;
    topic = c.has("max-records") ? topic.withMaxRecords(c.number("max-records")) : topic;
    return c.has("max-bytes") ? topic.withMaxBytes(c.number("max-bytes")) : topic;
  }

  @Override
  public Behavior<Object> create(KindContext context) {
    return PartitionedLog.create(context.instance(), context.peers(), context.env(), settings(context.config()),
        context.upcalls().narrow());
  }

  /** The body of {@code append}: the record {@code value}, to the partition of {@code key} (any, if none). */
  public record Append(@JsonProperty(required = true) String topic, String key,
      @JsonProperty(required = true) String value) {}

  /** The body of {@code read}: up to {@code max} (1 to 10000, default 100) records of a partition from {@code from}. */
  public record Read(@JsonProperty(required = true) String topic, @JsonProperty(required = true) Integer partition,
      Long from, Integer max) {
    public Read {
      requireAtLeast("partition", partition, 0);
      requireAtLeast("from", from, 0);
      if (max != null && (max < 1 || max > 10_000)) {
        throw new IllegalArgumentException("\"max\" is a whole number from 1 to 10000, got " + max);
      }
      from = from == null ? 0 : from;
      max = max == null ? 100 : max;
    }
  }

  /** The body of {@code commit}: group {@code group} has consumed partition {@code partition} up to {@code offset}. */
  public record Commit(@JsonProperty(required = true) String group, @JsonProperty(required = true) String topic,
      @JsonProperty(required = true) Integer partition, @JsonProperty(required = true) Long offset) {
    public Commit {
      requireAtLeast("partition", partition, 0);
      requireAtLeast("offset", offset, 0);
    }
  }

  /** The body of {@code positions}: group {@code group}'s committed offsets in {@code topic}. */
  public record Positions(@JsonProperty(required = true) String group, @JsonProperty(required = true) String topic) {}

  private static void requireAtLeast(String field, Number n, long min) {
    if (n != null && n.longValue() < min) {
      throw new IllegalArgumentException("\"" + field + "\" is a whole number >= " + min + ", got " + n);
    }
  }

  @Override
  public List<Operation<?>> operations() {
    return List.of(
        Operation.of("append", Append.class, (caller, a) -> call(c -> new PartitionedLog.Append(c, a.topic(), a.key(),
            a.value()))),
        Operation.of("read", Read.class, (caller, r) -> call(c -> new PartitionedLog.Read(c, r.topic(), r.partition(),
            r.from(), r.max()))),
        Operation.of("commit", Commit.class, (caller, c) -> call(n -> new PartitionedLog.CommitOffset(n, c.group(),
            c.topic(), c.partition(), c.offset()))),
        Operation.of("positions", Positions.class, (caller, p) -> call(c -> new PartitionedLog.Positions(c, p.group(),
            p.topic()))));
  }

  /**
   * The command {@code command} makes of a fresh call name, answered by the reply naming that call;
   * the command is also the request forwarded to the leader.
   */
  private static Invocation call(Function<String, PartitionedLog.Command> command) {
    return invocationOf(command.apply(CALLS + SEQ.incrementAndGet()));
  }

  private static Invocation.Answered<PartitionedLog.Reply> invocationOf(PartitionedLog.Command command) {
    String call = command instanceof PartitionedLog.Append a ? a.call()
        : command instanceof PartitionedLog.Read r ? r.call()
        : command instanceof PartitionedLog.CommitOffset c ? c.call()
        : ((PartitionedLog.Positions) command).call();
    return Invocation.answeredBy(command, PartitionedLog.Reply.class, PartitionedLog.Reply::call, call)
        .carrying(command);
  }

  /**
   * A call ({@code append}, {@code read}, {@code commit}, {@code positions}) made at another
   * node, keeping its name.
   */
  @Override
  public Invocation.Answered<?> invocation(Object request) {
    return invocationOf((PartitionedLog.Command) request);
  }

  @Override
  public NotServed<PartitionedLog.NotLeader> notServed() {
    return new NotServed<>(PartitionedLog.NotLeader.class, PartitionedLog.NotLeader::leader);
  }

  @Override
  public Object status(UpcallLog upcalls, String instance) {
    return Map.of("answers", upcalls.count(instance));
  }

  @Override
  public boolean hasLiveStatus() {
    return true;
  }

  @Override
  public Object statusQuery(NodeSettings node, ActorRef<Object> replyTo) {
    return new RaftKv.GetStatus(replyTo.narrow());
  }
}

package dev.parley.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.protocols.pubsub.PartitionedLog;
import dev.parley.protocols.replication.RaftKv;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The partitioned log ({@link PartitionedLog}, brokers over one Raft group): {@code append}, {@code
 * read}, {@code commit} and {@code positions}, each answered by the {@link PartitionedLog.Reply}
 * upcall naming its call. Offered as {@code POST /protocols/<name>/<op>} with a JSON body and, more
 * conveniently, as {@code /log/<name>/...}. Topics are created on first use with {@code
 * default-partitions} partitions and no retention, except those its configuration section lists
 * under {@code topics} (by default {@code recent}: 2 partitions, records kept 60 s; {@code
 * last-100}: 2 partitions, the last 100 records of each kept).
 */
public final class LogKind implements ProtocolKind {

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

  @Override
  public List<String> operations() {
    return List.of("append", "read", "commit", "positions");
  }

  /** A fresh call name. */
  public static String newCall() {
    return CALLS + SEQ.incrementAndGet();
  }

  @Override
  public Call call(NodeSettings node, String op, JsonNode body) {
    String call = newCall();
    PartitionedLog.Command command = switch (op) {
      case "append" -> new PartitionedLog.Append(call, text(body, "topic", op), optionalText(body, "key"),
          text(body, "value", op));
      case "read" -> new PartitionedLog.Read(call, text(body, "topic", op), partition(body, op),
          number(body, "from", op, 0L, Long.MAX_VALUE), (int) number(body, "max", op, 100L, 10_000));
      case "commit" -> new PartitionedLog.CommitOffset(call, text(body, "group", op), text(body, "topic", op),
          partition(body, op), number(body, "offset", op, null, Long.MAX_VALUE));
      case "positions" -> new PartitionedLog.Positions(call, text(body, "group", op), text(body, "topic", op));
      default -> throw ProtocolKind.unknownOperation(this, op);
    };
    return call(command, call);
  }

  /** {@code command}, answered by the reply naming {@code call}. */
  public Call call(PartitionedLog.Command command, String call) {
    return new Call(command, call);
  }

  @Override
  public Object answerKeyOf(Object upcall) {
    return upcall instanceof PartitionedLog.Reply r ? r.call() : null;
  }

  private static String text(JsonNode body, String field, String op) {
    String v = optionalText(body, field);
    if (v == null) {
      throw new IllegalArgumentException(op + " needs \"" + field + "\" in its JSON body, such as " + example(op));
    }
    return v;
  }

  private static String optionalText(JsonNode body, String field) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a string, got " + v);
    }
    return v.asText();
  }

  private static int partition(JsonNode body, String op) {
    return (int) number(body, "partition", op, null, Integer.MAX_VALUE);
  }

  private static long number(JsonNode body, String field, String op, Long otherwise, long max) {
    if (otherwise == null && (body == null || body.get(field) == null || body.get(field).isNull())) {
      throw new IllegalArgumentException(op + " needs \"" + field + "\" in its JSON body, such as " + example(op));
    }
    return JsonFields.whole(body, field, field.equals("max") ? 1 : 0, max, otherwise == null ? 0 : otherwise);
  }

  private static String example(String op) {
    return switch (op) {
      case "append" -> "{\"topic\":\"orders\",\"key\":\"alice\",\"value\":\"book\"}";
      case "read" -> "{\"topic\":\"orders\",\"partition\":0,\"from\":0,\"max\":100}";
      case "commit" -> "{\"group\":\"billing\",\"topic\":\"orders\",\"partition\":0,\"offset\":5}";
      default -> "{\"group\":\"billing\",\"topic\":\"orders\"}";
    };
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

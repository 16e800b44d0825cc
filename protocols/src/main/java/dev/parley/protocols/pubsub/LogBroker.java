package dev.parley.protocols.pubsub;

import static dev.parley.protocols.pubsub.PartitionedLog.logName;
import static dev.parley.protocols.pubsub.PartitionedLog.partitionOf;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.pubsub.PartitionedLog.Append;
import dev.parley.protocols.pubsub.PartitionedLog.Appended;
import dev.parley.protocols.pubsub.PartitionedLog.Command;
import dev.parley.protocols.pubsub.PartitionedLog.CommitOffset;
import dev.parley.protocols.pubsub.PartitionedLog.Committed;
import dev.parley.protocols.pubsub.PartitionedLog.Failed;
import dev.parley.protocols.pubsub.PartitionedLog.GroupPositions;
import dev.parley.protocols.pubsub.PartitionedLog.NotLeader;
import dev.parley.protocols.pubsub.PartitionedLog.Positions;
import dev.parley.protocols.pubsub.PartitionedLog.Read;
import dev.parley.protocols.pubsub.PartitionedLog.Records;
import dev.parley.protocols.pubsub.PartitionedLog.Rejected;
import dev.parley.protocols.pubsub.PartitionedLog.Reply;
import dev.parley.protocols.pubsub.PartitionedLog.Settings;
import dev.parley.protocols.pubsub.PartitionedLog.Status;
import dev.parley.protocols.pubsub.PartitionedLog.Topic;
import dev.parley.protocols.replication.RequestId;
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
 * One partitioned-log broker's logic ({@link PartitionedLog}), free of actors so the deterministic
 * simulation runs it beside Raft replicas: it sends requests to its replica through {@code replica},
 * is given the replica's answers ({@link #onReply}), and answers its clients through {@code upcalls}.
 * Time comes as arguments. The store's client sessions remember each client's last requests by number,
 * and requests in flight together may be reordered on their way; so the broker names each request
 * by a slot that has one request in flight at a time ({@code client/slot}, numbered 1, 2, ... per
 * slot), as many slots as requests it has in flight at once. {@code client} must differ from every
 * earlier incarnation's.
 */
public final class LogBroker {

  private final NodeId self;
  private final String client;
  private final Settings settings;
  private final Consumer<LogRequest> replica;
  private final Consumer<Reply> upcalls;
  private final Map<RequestId, Waiting> waiting = new LinkedHashMap<>();
  private final TreeSet<String> known = new TreeSet<>();
  private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
  private final List<Long> slotSeq = new ArrayList<>();
  private int nextPartition;

  /** A call awaiting its replica's answer (null for retention, which nobody awaits). */
  private record Waiting(Command command, long deadline, int partition) {}

  public LogBroker(NodeId self, String client, Settings settings, Consumer<LogRequest> replica,
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

  private void send(LogRequest request, Command command, long now, int partition) {
    waiting.put(request.id(), new Waiting(command, now + settings.timeout().toMillis(), partition));
    replica.accept(request);
  }

  /** A client's call at {@code now} (epoch millis). */
  public void onCommand(Command command, long now) {
    if (command instanceof Append a) {
      Topic topic = topic(a.topic());
      int p = a.key() == null ? Math.floorMod(nextPartition++, topic.partitions())
          : partitionOf(a.key(), topic.partitions());
      send(new LogRequest.Append(nextId(), logName(a.topic(), p), a.key(), a.value(), now), a, now, p);
    } else if (command instanceof Read r) {
      if (hasPartition(r.call(), r.topic(), r.partition())) {
        send(new LogRequest.ReadLog(nextId(), logName(r.topic(), r.partition()), r.from(), r.max()), r, now,
            r.partition());
      }
    } else if (command instanceof CommitOffset c) {
      if (hasPartition(c.call(), c.topic(), c.partition())) {
        send(new LogRequest.CommitPosition(nextId(), c.group(), logName(c.topic(), c.partition()), c.offset()),
            c, now, c.partition());
      }
    } else if (command instanceof Positions p) {
      List<String> logs = new ArrayList<>();
      for (int i = 0; i < topic(p.topic()).partitions(); i++) {
        logs.add(logName(p.topic(), i));
      }
      send(new LogRequest.ReadPositions(nextId(), p.group(), logs), p, now, -1);
    } else if (command instanceof PartitionedLog.Internal i) {
      if (i == PartitionedLog.Internal.RETENTION) {
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
  public void onReply(LogReply reply) {
    Waiting w = waiting.remove(reply.id());
    if (w == null) {
      return; // expired
    }
    release(reply.id());
    if (w.command() != null) {
      upcalls.accept(answer(w.command(), w.partition(), reply));
    } // else a retention trim: nobody to answer
  }

  private static Reply answer(Command c, int partition, LogReply reply) {
    if (reply instanceof LogReply.NotLeader n) {
      return new NotLeader(call(c), n.leader());
    } else if (reply instanceof LogReply.Failed f) {
      return new Failed(call(c), f.error());
    } else if (c instanceof Append a && reply instanceof LogReply.Appended ok) {
      return new Appended(a.call(), a.topic(), partition, ok.offset(), ok.timestamp());
    } else if (c instanceof Read r && reply instanceof LogReply.Records rs) {
      return new Records(r.call(), r.topic(), r.partition(), rs.start(), rs.end(), rs.trimmedBefore(),
          rs.records());
    } else if (c instanceof CommitOffset co && reply instanceof LogReply.Committed) {
      return new Committed(co.call(), co.group(), co.topic(), co.partition(), co.offset());
    } else if (c instanceof Positions p && reply instanceof LogReply.Positions ps) {
      Map<Integer, Long> byPartition = new HashMap<>();
      ps.positions().forEach((log, offset) ->
          byPartition.put(Integer.parseInt(log.substring(log.lastIndexOf('/') + 1)), offset));
      return new GroupPositions(p.call(), p.group(), p.topic(), byPartition);
    }
    return new Failed(call(c), "unexpected answer " + reply);
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
        String log = logName(name, p);
        send(new LogRequest.Trim(nextId(), log, cutoff, topic.maxRecords(), topic.maxBytes()), null, now, p);
      }
    }
  }

  /** Answers {@link Failed} to every call waiting past its deadline at {@code now}. */
  public void expire(long now) {
    for (Iterator<Map.Entry<RequestId, Waiting>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<RequestId, Waiting> e = it.next();
      Waiting w = e.getValue();
      if (w.deadline() <= now) {
        it.remove();
        release(e.getKey()); // a late answer to it is dropped; the slot's next request outnumbers it
        if (w.command() != null) {
          upcalls.accept(new Failed(call(w.command()), "no answer within " + settings.timeout().toMillis()
              + " ms (no leader, or cut off from the majority); a write may still take effect"));
        }
      }
    }
  }

  public Status status() {
    return new Status(self, waiting.size(), new ArrayList<>(known));
  }
}

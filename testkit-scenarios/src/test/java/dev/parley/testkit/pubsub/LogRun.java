package dev.parley.testkit.pubsub;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.pubsub.LogBroker;
import dev.parley.protocols.pubsub.LogRecord;
import dev.parley.protocols.pubsub.LogReply;
import dev.parley.protocols.pubsub.LogRequest;
import dev.parley.protocols.pubsub.LogStore;
import dev.parley.protocols.pubsub.PartitionedLog;
import dev.parley.protocols.pubsub.PartitionedLog.Reply;
import dev.parley.protocols.replication.LogEntry;
import dev.parley.protocols.replication.Raft;
import dev.parley.protocols.replication.RaftLog;
import dev.parley.protocols.replication.RequestId;
import dev.parley.protocols.replication.SessionStateMachine.Sessioned;
import dev.parley.protocols.replication.StateMachine.Applied;
import dev.parley.testkit.sim.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The partitioned log's brokers in the deterministic simulation: the nodes run the log's Raft
 * replicas ({@link PartitionedLog#replica}), and each node's {@link LogBroker} (the broker actor's
 * logic) sits beside it, giving its requests to the
 * node and taking the node's upcalls. A node's crash takes its broker with it (its waiting calls
 * are lost); the restarted node gets a new broker under a new client name. Producers append
 * sequentially, each from its home broker, going to the leader a {@link PartitionedLog.NotLeader}
 * names; a consumer of a group reads partitions from its group's positions and commits as it goes,
 * and can be restarted (it forgets everything and resumes from the committed positions). Every
 * answer and every record read is remembered for the checks.
 */
final class LogRun {

  /** A record a producer was told is at (partition, offset) of a topic. */
  record Ack(String topic, int partition, long offset, long timestamp, String key, String value) {}

  final Simulation<Raft.Command> sim;
  final PartitionedLog.Settings settings;
  final Duration callTimeout = Duration.ofSeconds(2);
  /** How long a client waits before trying again after a call that did not succeed. */
  static final long RETRY_PAUSE = 20;
  /**
   * The negative control: a broker that answers an append as soon as the leader has its entry on its
   * own disk (with the offset the leader's log gives it), not waiting for a majority to hold it.
   */
  boolean ackBeforeCommit;

  final List<Ack> acks = new ArrayList<>();
  /** Every record any read returned, by topic/partition and offset. */
  final Map<String, Map<Long, LogRecord>> seen = new HashMap<>();
  final Map<String, Long> lastCommitAcked = new HashMap<>();
  final List<String> violations = new ArrayList<>();

  private final Map<NodeId, LogBroker> brokers = new HashMap<>();
  private final Map<NodeId, Integer> incarnations = new HashMap<>();
  private final Map<NodeId, Integer> upcallsSeen = new HashMap<>();
  private final Map<String, Caller> callers = new HashMap<>();
  /** For the negative control: appends not answered yet, by request id, with their call and topic. */
  private final Map<RequestId, String[]> early = new LinkedHashMap<>();
  private final Map<NodeId, Raft.State> journals = new HashMap<>();
  private final Map<NodeId, Integer> journalSeen = new HashMap<>();
  private final Random random;
  private long nextRetention;
  private long calls;

  /** Someone waiting for the answer to a call. */
  interface Caller {
    void answered(Reply reply);

    void timedOut(String call);
  }

  private record Call(Caller caller, long deadline) {}

  private final Map<String, Call> open = new HashMap<>();

  LogRun(Simulation<Raft.Command> sim, PartitionedLog.Settings settings) {
    this.sim = sim;
    this.settings = settings;
    this.random = new Random(sim.seed() * 31 + 7);
    sim.nodes().forEach(n -> upcallsSeen.put(n, 0));
  }

  LogBroker broker(NodeId node) {
    int incarnation = sim.incarnation(node);
    if (!incarnations.containsKey(node) || incarnations.get(node) != incarnation) {
      incarnations.put(node, incarnation);
      LogBroker b = new LogBroker(node, "log-" + node.name() + "-" + incarnation, settings, r -> {
        if (ackBeforeCommit && r instanceof LogRequest.Append a && pendingAppend != null) {
          early.put(a.id(), new String[] {pendingAppend.call(), pendingAppend.topic()});
        }
        sim.tell(node, new Raft.Submit(r));
      }, this::answer);
      brokers.put(node, b);
    }
    return brokers.get(node);
  }

  /** Gives {@code command} (its call named by {@link #call}) to {@code node}'s broker. */
  void give(NodeId node, PartitionedLog.Command command, String call, Caller caller) {
    open.put(call, new Call(caller, sim.elapsed().toMillis() + callTimeout.toMillis()));
    if (!sim.isUp(node)) {
      return; // a client talking to a dead broker waits for its timeout
    }
    pendingAppend = command instanceof PartitionedLog.Append a ? a : null;
    broker(node).onCommand(command, millis());
    pendingAppend = null;
  }

  private PartitionedLog.Append pendingAppend;

  /**
   * The negative control's early answers: every append not answered yet whose entry is in some node's
   * journal (the leader writes its own first) is answered with the offset it gets when that log is
   * applied up to it.
   */
  private void answerEarly() {
    for (NodeId node : sim.nodes()) {
      List<Object> events = sim.persistedEvents(node);
      Raft.State state = journals.getOrDefault(node, Raft.State.INITIAL);
      for (int i = journalSeen.getOrDefault(node, 0); i < events.size(); i++) {
        state = state.apply((Raft.Event) events.get(i));
      }
      journals.put(node, state);
      journalSeen.put(node, events.size());
      RaftLog log = state.log();
      Sessioned<LogStore, LogReply> store = log.state() == null ? LogStore.MACHINE.initialState()
          : LogStore.MACHINE.restoreSnapshot(log.state());
      for (long i = log.firstIndex(); i <= log.lastIndex() && !early.isEmpty(); i++) {
        LogEntry e = log.entry(i);
        if (e.isNoop()) {
          continue;
        }
        LogRequest request = (LogRequest) e.command();
        Applied<Sessioned<LogStore, LogReply>, LogReply> result = LogStore.MACHINE.apply(store, request);
        store = result.state();
        String[] waiting = early.remove(request.id());
        if (waiting != null && result.reply() instanceof LogReply.Appended a) {
          String log0 = ((LogRequest.Append) request).log();
          answer(new PartitionedLog.Appended(waiting[0], waiting[1],
              Integer.parseInt(log0.substring(log0.lastIndexOf('/') + 1)), a.offset(), a.timestamp()));
        }
      }
    }
  }

  String call(String prefix) {
    return prefix + "#" + (++calls);
  }

  long millis() {
    return sim.now().toEpochMilli();
  }

  private void answer(Reply reply) {
    Call c = open.remove(reply.call());
    if (reply instanceof PartitionedLog.Failed f && f.reason().startsWith("unexpected")) {
      violations.add("a broker answered " + f); // a request applied out of its client's order, say
    }
    if (reply instanceof PartitionedLog.Records r) {
      Map<Long, LogRecord> known = seen.computeIfAbsent(r.topic() + "/" + r.partition(), k -> new TreeMap<>());
      long expect = r.records().isEmpty() ? r.start() : r.records().get(0).offset();
      for (LogRecord record : r.records()) {
        if (record.offset() != expect++) {
          violations.add("a read of " + r.topic() + "/" + r.partition() + " skipped to offset " + record.offset());
        }
        LogRecord before = known.putIfAbsent(record.offset(), record);
        if (before != null && !before.equals(record)) {
          violations.add(r.topic() + "/" + r.partition() + "@" + record.offset() + " read as " + before
              + " then as " + record);
        }
      }
    }
    if (c != null) {
      c.caller().answered(reply);
    }
  }

  /** Runs the simulation until virtual time {@code until}, doing {@code each} at every step. */
  void runUntil(Duration until, Runnable each) {
    while (sim.elapsed().compareTo(until) < 0) {
      each.run();
      if (!sim.step()) {
        sim.runFor(Duration.ofMillis(1));
      }
      observe();
    }
  }

  private void observe() {
    if (!early.isEmpty()) {
      answerEarly();
    }
    long now = millis();
    for (NodeId node : sim.nodes()) {
      List<Object> upcalls = sim.upcalls(node);
      for (int i = upcallsSeen.get(node); i < upcalls.size(); i++) {
        if (upcalls.get(i) instanceof LogReply reply && sim.isUp(node)) {
          early.remove(reply.id());
          broker(node).onReply(reply);
        }
      }
      upcallsSeen.put(node, upcalls.size());
    }
    if (now >= nextRetention) {
      nextRetention = now + settings.retentionInterval().toMillis();
      for (NodeId node : sim.nodes()) {
        if (sim.isUp(node)) {
          broker(node).retention(now);
          broker(node).expire(now);
        }
      }
    }
    long elapsed = sim.elapsed().toMillis();
    List<String> late = open.entrySet().stream().filter(e -> e.getValue().deadline() <= elapsed)
        .map(Map.Entry::getKey).sorted().toList();
    for (String call : late) {
      open.remove(call).caller().timedOut(call);
    }
  }

  NodeId anyNode() {
    return sim.nodes().get(random.nextInt(sim.nodes().size()));
  }

  /** A producer appending {@code count} records to {@code topic}, one at a time, pausing {@code think} between. */
  final class Producer implements Caller {
    final String name;
    final String topic;
    final int count;
    final Duration think;
    NodeId home;
    int sent;
    long nextAt;
    boolean busy;
    String key;
    String value;

    Producer(String name, String topic, int count, Duration think) {
      this.name = name;
      this.topic = topic;
      this.count = count;
      this.think = think;
      this.home = anyNode();
    }

    boolean done() {
      return sent >= count && !busy && !retry;
    }

    boolean retry;

    void tick() {
      if (busy || sim.elapsed().toMillis() < nextAt) {
        return;
      }
      if (retry) {
        retry = false;
      } else if (sent < count) {
        sent++;
        key = "key-" + random.nextInt(12);
        value = String.format("%s-%05d", name, sent);
      } else {
        return;
      }
      busy = true;
      send();
    }

    private void send() {
      give(home, new PartitionedLog.Append(call(name), topic, key, value), lastCall(), this);
    }

    private String lastCall() {
      return name + "#" + calls;
    }

    @Override
    public void answered(Reply reply) {
      if (reply instanceof PartitionedLog.NotLeader n) {
        home = n.leader() != null ? n.leader() : anyNode();
        retry = true; // the append had no effect: the same record again, after a pause
        busy = false;
        nextAt = sim.elapsed().toMillis() + RETRY_PAUSE;
        return;
      }
      if (reply instanceof PartitionedLog.Appended a) {
        acks.add(new Ack(a.topic(), a.partition(), a.offset(), a.timestamp(), key, value));
      }
      if (!(reply instanceof PartitionedLog.Appended)) {
        home = anyNode();
      }
      finish();
    }

    @Override
    public void timedOut(String call) {
      home = anyNode();
      finish();
    }

    private void finish() {
      busy = false;
      nextAt = sim.elapsed().toMillis() + think.toMillis();
    }
  }

  /**
   * A consumer of {@code group}: reads each partition of {@code topic} in turn from its position,
   * at most {@code batch} records, then commits the offset after the last one read.
   */
  final class Consumer implements Caller {
    final String group;
    final String topic;
    final int batch;
    final int partitions;
    final Map<Integer, Long> positions = new TreeMap<>();
    NodeId home = anyNode();
    boolean started;
    boolean busy;
    int partition;
    long committing = -1;
    int restarts;
    /** Positions acknowledged committed when the consumer last restarted: it must resume no earlier. */
    Map<Integer, Long> committedAtRestart = Map.of();

    Consumer(String group, String topic, int batch) {
      this.group = group;
      this.topic = topic;
      this.batch = batch;
      this.partitions = settings.topic(topic).partitions();
    }

    /** The call this consumer awaits; answers to its earlier incarnations' calls are ignored. */
    String current;

    void restart() {
      restarts++;
      current = null;
      positions.clear();
      started = false;
      busy = false;
      committing = -1;
      Map<Integer, Long> committed = new TreeMap<>();
      lastCommitAcked.forEach((k, v) -> {
        if (k.startsWith(group + "/" + topic + "/")) {
          committed.put(Integer.parseInt(k.substring(k.lastIndexOf('/') + 1)), v);
        }
      });
      committedAtRestart = committed;
    }

    long nextAt;

    void tick() {
      if (busy || sim.elapsed().toMillis() < nextAt) {
        return;
      }
      busy = true;
      current = call(group);
      if (!started) {
        give(home, new PartitionedLog.Positions(current, group, topic), current, this);
      } else if (committing >= 0) {
        give(home, new PartitionedLog.CommitOffset(current, group, topic, partition, committing), current, this);
      } else {
        partition = (partition + 1) % partitions;
        give(home, new PartitionedLog.Read(current, topic, partition, positions.getOrDefault(partition, 0L), batch),
            current, this);
      }
    }

    @Override
    public void answered(Reply reply) {
      if (reply instanceof PartitionedLog.Committed c) {
        lastCommitAcked.merge(group + "/" + topic + "/" + c.partition(), c.offset(), Math::max);
      }
      if (!reply.call().equals(current)) {
        return; // the answer to a call of an incarnation before the last restart
      }
      busy = false;
      if (!(reply instanceof PartitionedLog.Records || reply instanceof PartitionedLog.Committed
          || reply instanceof PartitionedLog.GroupPositions)) {
        nextAt = sim.elapsed().toMillis() + RETRY_PAUSE;
      }
      if (reply instanceof PartitionedLog.NotLeader n) {
        home = n.leader() != null ? n.leader() : anyNode();
      } else if (reply instanceof PartitionedLog.GroupPositions g) {
        g.positions().forEach((p, o) -> {
          if (o < committedAtRestart.getOrDefault(p, 0L)) {
            violations.add(group + " resumed partition " + p + " at " + o + ", before its acknowledged commit "
                + committedAtRestart.get(p));
          }
        });
        positions.putAll(g.positions());
        started = true;
      } else if (reply instanceof PartitionedLog.Records r) {
        long position = positions.getOrDefault(r.partition(), 0L);
        if (!r.records().isEmpty()) {
          LogRecord first = r.records().get(0);
          if (first.offset() != Math.max(position, r.start())) {
            violations.add(group + " read " + topic + "/" + r.partition() + " from " + position + " and got offset "
                + first.offset() + " first (start " + r.start() + ")");
          }
          committing = r.records().get(r.records().size() - 1).offset() + 1;
          positions.put(r.partition(), committing);
        }
      } else if (reply instanceof PartitionedLog.Committed) {
        committing = -1;
      } else {
        home = anyNode();
      }
    }

    @Override
    public void timedOut(String call) {
      if (call.equals(current)) {
        busy = false;
        home = anyNode();
      }
    }
  }

  /** Reads every partition of {@code topic} whole, through the brokers; null for a partition not read. */
  Map<Integer, PartitionedLog.Records> readAll(String topic) {
    int partitions = settings.topic(topic).partitions();
    Map<Integer, PartitionedLog.Records> out = new TreeMap<>();
    for (int p = 0; p < partitions; p++) {
      int partition = p;
      NodeId[] at = {anyNode()};
      for (int attempt = 0; attempt < 10 && !out.containsKey(p); attempt++) {
        boolean[] waiting = {true};
        String call = call("reader");
        give(at[0], new PartitionedLog.Read(call, topic, partition, 0, Integer.MAX_VALUE), call, new Caller() {
          @Override
          public void answered(Reply reply) {
            waiting[0] = false;
            if (reply instanceof PartitionedLog.Records r) {
              out.put(partition, r);
            } else if (reply instanceof PartitionedLog.NotLeader n && n.leader() != null) {
              at[0] = n.leader();
            } else {
              at[0] = anyNode();
            }
          }

          @Override
          public void timedOut(String c) {
            waiting[0] = false;
            at[0] = anyNode();
          }
        });
        Duration until = sim.elapsed().plus(callTimeout).plusMillis(10);
        while (waiting[0] && sim.elapsed().compareTo(until) < 0) {
          runUntil(sim.elapsed().plusMillis(1), () -> { });
        }
        if (!out.containsKey(p)) {
          runUntil(sim.elapsed().plusMillis(RETRY_PAUSE), () -> { });
        }
      }
    }
    return out;
  }
}

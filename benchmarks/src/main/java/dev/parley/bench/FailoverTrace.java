package dev.parley.bench;

import akka.actor.DeadLetter;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.BehaviorInterceptor;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.remote.artery.QuarantinedEvent;
import akka.remote.artery.ThisActorSystemQuarantinedEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the cluster nodes' elections did around each failover, to explain the slow runs: every
 * election message a node sent (through a tap actor in front of each remote peer) and received
 * (an interceptor around its election), each node's dead letters, quarantines and cluster
 * reachability changes, time-stamped from the kill. A run's trace covers the restart before it and
 * its failover up to agreement; {@link #report} prints, for every run over twice the median, which
 * messages were late or never arrived (to whom, how late), which ring hops timed out, and the
 * remoting and membership events of the run.
 */
final class FailoverTrace {

  /** One thing seen, {@code at} nanoseconds from the run's kill (negative: before it). */
  record Event(long at, String node, String kind, String text) {}

  record Run(int run, String killed, String restarted, long nanos, List<Event> events) {}

  private final List<Event> events = new ArrayList<>();
  private final List<Run> runs = new ArrayList<>();
  private long origin = System.nanoTime();
  private String restarted = "-";

  synchronized void record(String node, String kind, String text) {
    events.add(new Event(System.nanoTime(), node, kind, text));
  }

  /** The node killed now; its clock starts. */
  synchronized void killed() {
    origin = System.nanoTime();
  }

  /** The run ended: it took {@code nanos}; the events from the previous end to now are its trace. */
  synchronized void ended(int run, String killed, long nanos) {
    List<Event> mine = new ArrayList<>();
    for (Event e : events) {
      mine.add(new Event(e.at() - origin, e.node(), e.kind(), e.text()));
    }
    events.clear();
    runs.add(new Run(run, killed, restarted, nanos, mine));
  }

  /** The node restarted after this run (it may be the one the next run waits on). */
  synchronized void restarting(String node) {
    restarted = node;
  }

  /** An actor in front of {@code target} (node {@code to}'s election) recording what {@code from} sends it. */
  Behavior<Object> tap(String from, String to, ActorRef<Object> target) {
    return Behaviors.receive(Object.class).onAnyMessage(m -> {
      record(from, "send", to + " " + m);
      target.tell(m);
      return Behaviors.same();
    }).build();
  }

  /** {@code election} of {@code node}, recording each protocol message and timer it receives. */
  @SuppressWarnings("unchecked")
  <T> Behavior<T> received(String node, Behavior<T> election) {
    return Behaviors.intercept(() -> new BehaviorInterceptor<T, T>((Class<T>) Object.class) {
      @Override
      public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
        if (msg.getClass().getName().startsWith("dev.parley")) {
          record(node, "recv", String.valueOf(msg));
        }
        return target.apply(ctx, msg);
      }
    }, election);
  }

  /** Subscribes a recorder of node's dead letters, quarantines and reachability changes. */
  void watchRemoting(ActorContext<?> ctx, String node) {
    ActorRef<Object> ref = ctx.spawn(Behaviors.receive(Object.class).onAnyMessage(m -> {
      if (m instanceof DeadLetter d) {
        String text = String.valueOf(d.message());
        if (text.length() > 120) {
          text = text.substring(0, 120);
        }
        record(node, "dead-letter", d.recipient().path() + " " + text);
      } else {
        record(node, "remoting", String.valueOf(m));
      }
      return Behaviors.same();
    }).build(), "trace-remoting");
    for (Class<?> c : List.of(DeadLetter.class, QuarantinedEvent.class, ThisActorSystemQuarantinedEvent.class,
        ClusterEvent.ReachabilityEvent.class, ClusterEvent.MemberEvent.class)) {
      ctx.getSystem().eventStream().tell(new EventStream.Subscribe<>(narrow(c), ref.narrow()));
    }
  }

  @SuppressWarnings("unchecked")
  private static Class<Object> narrow(Class<?> c) {
    return (Class<Object>) c;
  }

  /** Prints every run over twice {@code medianMillis}: what its election waited on. */
  synchronized void report(String row, double medianMillis) {
    System.err.printf("  %s, each run (ms, killed node):", row);
    runs.forEach(r -> System.err.printf(" %.0f %s", r.nanos() / 1e6, r.killed()));
    System.err.println();
    for (Run r : runs) {
      if (r.nanos() / 1e6 > 2 * medianMillis) {
        print(row, r, medianMillis);
      }
    }
  }

  /** Prints the last run (one that found no agreement). */
  synchronized void reportLast(String row) {
    if (!runs.isEmpty()) {
      print(row, runs.get(runs.size() - 1), Double.NaN);
    }
  }

  private static void print(String row, Run r, double medianMillis) {
    System.err.printf("%n  TRACE %s, run %d: %.0f ms (median %.0f), killed %s, restarted before: %s%n",
        row, r.run(), r.nanos() / 1e6, medianMillis, r.killed(), r.restarted());
    late(r);
    for (Event e : r.events()) {
      boolean inRun = e.at() >= 0 && e.at() <= r.nanos();
      boolean protocol = e.kind().equals("send") || e.kind().equals("recv");
      if ((!protocol && e.at() >= -3_000_000_000L) || (inRun && protocol && !routine(e.text()))) {
        System.err.printf("    %+6.0f ms  %-4s %-11s %s%n", e.at() / 1e6, e.node(), e.kind(), e.text());
      }
    }
  }

  /** Heartbeats: counted among late messages, left out of the timeline. */
  private static boolean routine(String text) {
    return text.contains("Alive[") || text.contains("Ping[") || text.contains("Pong[") || text.contains("Heartbeat")
        || text.contains("AppendEntries") || text.contains("Timer") || text.contains("GetStatus");
  }

  /** Messages sent in the run's window that arrived over 50 ms later or not by its end, per link. */
  private static void late(Run r) {
    record Sent(String from, long at) {}
    Map<String, Deque<Sent>> inFlight = new HashMap<>();
    Map<String, List<Long>> delays = new TreeMap<>();
    Map<String, Integer> lost = new TreeMap<>();
    for (Event e : r.events()) {
      if (e.kind().equals("send")) {
        inFlight.computeIfAbsent(e.text(), k -> new ArrayDeque<>()).add(new Sent(e.node(), e.at()));
      } else if (e.kind().equals("recv")) {
        Deque<Sent> q = inFlight.get(e.node() + " " + e.text());
        if (q != null && !q.isEmpty()) {
          Sent sent = q.poll();
          if (sent.at() >= -1_000_000_000L && e.at() - sent.at() > 50_000_000L) {
            delays.computeIfAbsent(sent.from() + " -> " + e.node(), k -> new ArrayList<>())
                .add((e.at() - sent.at()) / 1_000_000);
          }
        }
      }
    }
    inFlight.forEach((text, q) -> {
      for (Sent sent : q) {
        if (sent.at() >= 0 && sent.at() <= r.nanos()) {
          lost.merge(sent.from() + " -> " + text.substring(0, text.indexOf(' ')), 1, Integer::sum);
        }
      }
    });
    delays.forEach((link, d) -> System.err.printf("    late: %s, %d messages, %s ms after sending%n", link, d.size(),
        d.size() > 6 ? d.subList(0, 3) + "..." + d.subList(d.size() - 3, d.size()) : d));
    lost.forEach((link, n) -> System.err.printf("    not delivered by agreement: %s, %d messages%n", link, n));
  }
}

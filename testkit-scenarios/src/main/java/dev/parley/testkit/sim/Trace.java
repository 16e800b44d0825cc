package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.testkit.sim.TraceEvent.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a simulation did, kept three ways so the hot path stays cheap:
 *
 * <ul>
 *   <li>always, the last K events in a ring of plain arrays (no strings built), for failure reports;
 *   <li>always, a rolling 64-bit fingerprint over (time, kind, from, to, message class), a cheap
 *       check that two runs took the same path;
 *   <li>only when tracing is on, the full list of {@link TraceEvent}s with each message's text.
 * </ul>
 */
public final class Trace {

  /** An actor reference as Akka prints it, {@code Actor[path#uid]}: the uid is random per kit. */
  private static final Pattern ACTOR_UID = Pattern.compile("(Actor\\[[^\\[\\]#]*)#-?\\d+]");

  private final int capacity;
  private final long[] steps;
  private final long[] times;
  private final Kind[] kinds;
  private final NodeId[] froms;
  private final NodeId[] tos;
  private final Object[] messages;
  private final List<TraceEvent> full;
  private long recorded;
  private long fingerprint = 17;

  Trace(int keepLast, boolean keepAll) {
    this.capacity = Math.max(1, keepLast);
    this.steps = new long[capacity];
    this.times = new long[capacity];
    this.kinds = new Kind[capacity];
    this.froms = new NodeId[capacity];
    this.tos = new NodeId[capacity];
    this.messages = new Object[capacity];
    this.full = keepAll ? new ArrayList<>() : null;
  }

  void record(long step, long time, Kind kind, NodeId from, NodeId to, Object message) {
    int i = (int) (recorded++ % capacity);
    steps[i] = step;
    times[i] = time;
    kinds[i] = kind;
    froms[i] = from;
    tos[i] = to;
    messages[i] = message;
    if (kind != Kind.LOG) {
      long h = Hash64.mix(fingerprint, time);
      h = Hash64.mix(h, kind.ordinal());
      h = Hash64.mix(h, Hash64.of(from));
      h = Hash64.mix(h, Hash64.of(to));
      fingerprint = Hash64.mix(h, message == null ? 0 : message.getClass().getName().hashCode());
    }
    if (full != null) {
      full.add(new TraceEvent(step, time, kind, from, to, text(message)));
    }
  }

  /** Whether every event is kept ({@code Simulation.Builder.tracing(true)}). */
  public boolean isFull() {
    return full != null;
  }

  /** Every event of the run; empty unless tracing is on. */
  public List<TraceEvent> events() {
    return full == null ? List.of() : Collections.unmodifiableList(full);
  }

  /** The last {@code n} events (at most the number kept), oldest first. */
  public List<TraceEvent> last(int n) {
    int count = (int) Math.min(Math.min(n, capacity), recorded);
    List<TraceEvent> out = new ArrayList<>(count);
    for (long k = recorded - count; k < recorded; k++) {
      int i = (int) (k % capacity);
      out.add(new TraceEvent(steps[i], times[i], kinds[i], froms[i], tos[i], text(messages[i])));
    }
    return out;
  }

  /** How many events were recorded. */
  public long size() {
    return recorded;
  }

  /**
   * A 64-bit digest of the whole run's path: equal for two runs that did the same things at the
   * same virtual times (message contents not included, their classes are).
   */
  public long fingerprint() {
    return fingerprint;
  }

  /** {@code message} as text, each actor reference without its uid, so runs compare as text. */
  static String text(Object message) {
    if (message == null) {
      return "";
    }
    String s = String.valueOf(message);
    return s.indexOf('#') < 0 ? s : ACTOR_UID.matcher(s).replaceAll("$1]");
  }
}

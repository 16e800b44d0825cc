package dev.parley.protocols.history;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Records a history while clients run, from any number of threads or actors. Each operation is
 * {@link #invoke invoked}, then completed once with {@link #ok}, {@link #fail} or {@link #info}. Time is
 * read from an injected clock of nanoseconds: {@link System#nanoTime} by default, the virtual clock in a
 * simulation.
 *
 * <p>Bounded, if asked: a recorder with a {@code capacity} keeps the latest operations only, about
 * {@code capacity} of them (2 x capacity invocations and completions); the oldest are dropped, an
 * operation whole (its invocation with its completion, never one without the other), and counted
 * ({@link #dropped}), so whoever checks the history knows it lacks a prefix and never takes it for
 * the whole run. Cost: O(1) per record; {@link #history} O(n) for the n kept.
 *
 * <pre>{@code
 * HistoryRecorder recorder = new HistoryRecorder();
 * HistoryRecorder.Handle h = recorder.invoke("c1", "put", "k1", 5L);
 * recorder.ok(h);                       // or fail(h, "rejected"), info(h, "timeout")
 * History history = recorder.history();
 * }</pre>
 */
public final class HistoryRecorder {

  /** An operation in flight, returned by {@link #invoke} and given back to complete it. */
  public record Handle(Op invocation) {
    public Handle {
      Objects.requireNonNull(invocation, "invocation");
    }
  }

  private final LongSupplier clock;
  private final int capacity;
  private final ArrayDeque<Op> ops = new ArrayDeque<>();
  private final Map<String, Op> inFlight = new HashMap<>();
  /** Processes whose invocation was dropped while its completion is still to be recorded or kept. */
  private final Set<String> headless = new HashSet<>();
  private long next;
  private long dropped;

  public HistoryRecorder() {
    this(System::nanoTime);
  }

  /** A recorder reading time from {@code nanoClock} (for example a simulation's virtual time), unbounded. */
  public HistoryRecorder(LongSupplier nanoClock) {
    this(nanoClock, Integer.MAX_VALUE);
  }

  /**
   * A recorder reading time from {@code nanoClock} that keeps about the latest {@code capacity}
   * operations, dropping (and counting) older ones.
   *
   * @throws IllegalArgumentException if {@code capacity} is below 1
   */
  public HistoryRecorder(LongSupplier nanoClock, int capacity) {
    this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
    if (capacity < 1) {
      throw new IllegalArgumentException("a history keeps at least 1 operation, got a capacity of " + capacity
          + ": give how many of the latest client operations to keep");
    }
    this.capacity = capacity;
  }

  /**
   * Records that {@code process} starts operation {@code f} on {@code key} with argument {@code value}.
   *
   * @throws IllegalStateException if that process already has an operation in flight
   */
  public synchronized Handle invoke(String process, String f, String key, Object value) {
    Op pending = inFlight.get(process);
    if (pending != null) {
      throw new IllegalStateException(
          "process " + process + " invokes " + f + " while its " + pending.f() + " (op " + pending.index()
              + ") is still in flight; complete it first, or use another process name");
    }
    Op op = Op.invoke(next++, process, f, key, value, clock.getAsLong());
    add(op);
    inFlight.put(process, op);
    return new Handle(op);
  }

  /**
   * Records that {@code client} starts operation {@code f}, under the process name {@code client} if
   * that process has nothing in flight, else under the first of {@code client#2}, {@code client#3},
   * ... that has not: a client that runs operations concurrently (an HTTP client with several
   * requests open) becomes several processes, as a history wants (one operation at a time per
   * process), and never waits for, or is refused because of, another of its operations.
   */
  public synchronized Handle invokeConcurrently(String client, String f, String key, Object value) {
    String process = client;
    for (int n = 2; inFlight.containsKey(process); n++) {
      process = client + "#" + n;
    }
    return invoke(process, f, key, value);
  }

  /** The operation took effect; its result is the argument it was invoked with (typical for writes). */
  public Op ok(Handle handle) {
    return ok(handle, handle.invocation().value());
  }

  /** The operation took effect and returned {@code value} (for a read, the value read). */
  public Op ok(Handle handle, Object value) {
    return complete(handle, OpType.OK, value, null);
  }

  /** The operation certainly did not take effect, because of {@code error}. */
  public Op fail(Handle handle, String error) {
    return complete(handle, OpType.FAIL, handle.invocation().value(), error);
  }

  /** The outcome is unknown (for example a timeout): it may take effect later, or never. */
  public Op info(Handle handle, String why) {
    return complete(handle, OpType.INFO, handle.invocation().value(), why);
  }

  /**
   * A snapshot of what has been kept so far; operations still in flight have no completion. If
   * {@link #dropped} is not zero it lacks the oldest operations: a suffix of the run, not all of it.
   */
  public synchronized History history() {
    List<Op> kept = new ArrayList<>(ops.size());
    Set<String> started = new HashSet<>();
    for (Op op : ops) {
      if (op.type() == OpType.INVOKE) {
        started.add(op.process());
        kept.add(op);
      } else if (started.contains(op.process()) || !headless.contains(op.process())) {
        kept.add(op);
      }
    }
    return History.of(kept);
  }

  /** How many invocations and completions are kept. */
  public synchronized int size() {
    return ops.size();
  }

  /** How many of the oldest operations were dropped to keep within the capacity (0 if none). */
  public synchronized long dropped() {
    return dropped;
  }

  /** The capacity: about how many of the latest operations are kept. */
  public int capacity() {
    return capacity;
  }

  /** Keeps {@code op}, then drops the oldest whole operations while more than 2 x capacity are kept. */
  private void add(Op op) {
    ops.addLast(op);
    while (ops.size() > 2L * capacity) {
      Op oldest = ops.removeFirst();
      if (oldest.type() == OpType.INVOKE) {
        dropped++;
        headless.add(oldest.process());
      } else {
        headless.remove(oldest.process());
      }
    }
  }

  private synchronized Op complete(Handle handle, OpType type, Object value, String error) {
    Op invocation = handle.invocation();
    if (inFlight.get(invocation.process()) != invocation) {
      throw new IllegalStateException(
          "op " + invocation.index() + " (" + invocation.process() + " " + invocation.f()
              + ") is not in flight: it was already completed, or belongs to another recorder");
    }
    Op op = new Op(next++, invocation.process(), type, invocation.f(), invocation.key(), value,
        clock.getAsLong(), error);
    add(op);
    inFlight.remove(invocation.process());
    return op;
  }
}

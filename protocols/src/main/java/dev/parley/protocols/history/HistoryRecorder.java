package dev.parley.protocols.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Records a history while clients run, from any number of threads or actors. Each operation is
 * {@link #invoke invoked}, then completed once with {@link #ok}, {@link #fail} or {@link #info}. Time is
 * read from an injected clock of nanoseconds: {@link System#nanoTime} by default, the virtual clock in a
 * simulation.
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
  private final List<Op> ops = new ArrayList<>();
  private final Map<String, Op> inFlight = new HashMap<>();

  public HistoryRecorder() {
    this(System::nanoTime);
  }

  /** A recorder reading time from {@code nanoClock} (for example a simulation's virtual time). */
  public HistoryRecorder(LongSupplier nanoClock) {
    this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
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
    Op op = Op.invoke(ops.size(), process, f, key, value, clock.getAsLong());
    ops.add(op);
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

  /** A snapshot of what has been recorded so far; operations still in flight have no completion. */
  public synchronized History history() {
    return History.of(ops);
  }

  public synchronized int size() {
    return ops.size();
  }

  private synchronized Op complete(Handle handle, OpType type, Object value, String error) {
    Op invocation = handle.invocation();
    if (inFlight.get(invocation.process()) != invocation) {
      throw new IllegalStateException(
          "op " + invocation.index() + " (" + invocation.process() + " " + invocation.f()
              + ") is not in flight: it was already completed, or belongs to another recorder");
    }
    Op op = new Op(ops.size(), invocation.process(), type, invocation.f(), invocation.key(), value,
        clock.getAsLong(), error);
    ops.add(op);
    inFlight.remove(invocation.process());
    return op;
  }
}

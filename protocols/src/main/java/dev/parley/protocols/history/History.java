package dev.parley.protocols.history;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An immutable, well-formed history: ops in strictly increasing index order, where every process runs
 * one operation at a time (each completion answers that process's invocation in flight, with the same
 * operation name and key). Ops appear in the order they happened, so "completed before invoked" is read
 * from positions, not from clocks.
 */
public final class History implements Iterable<Op> {

  private final List<Op> ops;
  private final List<Operation> operations;

  private History(List<Op> ops, List<Operation> operations) {
    this.ops = ops;
    this.operations = operations;
  }

  /** Builds a history, rejecting a malformed op with a message naming it and what is wrong. */
  public static History of(List<Op> ops) {
    Builder b = new Builder();
    ops.forEach(b::add);
    return b.build();
  }

  public static History of(Op... ops) {
    return of(List.of(ops));
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Op> ops() {
    return ops;
  }

  public int size() {
    return ops.size();
  }

  public boolean isEmpty() {
    return ops.isEmpty();
  }

  @Override
  public Iterator<Op> iterator() {
    return ops.iterator();
  }

  /** Every invocation paired with its completion (or with null if none), in invocation order. */
  public List<Operation> operations() {
    return operations;
  }

  /** The sub-history of one key (null for ops without a key); ops keep their indexes. */
  public History forKey(String key) {
    return filter(op -> Objects.equals(op.key(), key));
  }

  /** Sub-histories per key, in order of first appearance (a null key groups ops without a key). */
  public Map<String, History> byKey() {
    Map<String, List<Op>> grouped = new LinkedHashMap<>();
    for (Op op : ops) {
      grouped.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    Map<String, History> result = new LinkedHashMap<>();
    grouped.forEach((k, list) -> result.put(k, of(list)));
    return Collections.unmodifiableMap(result);
  }

  /** Keys in order of first appearance. */
  public Set<String> keys() {
    Set<String> result = new LinkedHashSet<>();
    ops.forEach(op -> result.add(op.key()));
    return Collections.unmodifiableSet(result);
  }

  /** Processes in order of first appearance. */
  public Set<String> processes() {
    Set<String> result = new LinkedHashSet<>();
    ops.forEach(op -> result.add(op.process()));
    return Collections.unmodifiableSet(result);
  }

  /** The sub-history of the ops a predicate keeps; it stays well-formed when it keeps whole operations. */
  public History filter(Predicate<Op> keep) {
    return of(ops.stream().filter(keep).toList());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof History other && ops.equals(other.ops);
  }

  @Override
  public int hashCode() {
    return ops.hashCode();
  }

  @Override
  public String toString() {
    return "History(" + ops.size() + " ops, " + operations.size() + " operations)";
  }

  /** Adds ops one by one, checking each as it comes, so a reader can tell which line was wrong. */
  public static final class Builder {
    private final List<Op> ops = new ArrayList<>();
    private final List<Operation> operations = new ArrayList<>();
    private final Map<String, Integer> inFlight = new HashMap<>();
    private long lastIndex = -1;

    private Builder() {}

    /** Appends an op; throws IllegalArgumentException saying what is wrong with it. */
    public Builder add(Op op) {
      Objects.requireNonNull(op, "op");
      if (op.index() <= lastIndex) {
        throw new IllegalArgumentException(
            "op " + op.index() + " comes after op " + lastIndex + ": indexes must strictly increase");
      }
      Integer open = inFlight.get(op.process());
      if (op.isInvoke()) {
        if (open != null) {
          Op pending = operations.get(open).invocation();
          throw new IllegalArgumentException(
              "op " + op.index() + ": process " + op.process() + " invokes " + op.f()
                  + " while its " + pending.f() + " (op " + pending.index()
                  + ") is still in flight; a process runs one operation at a time");
        }
        inFlight.put(op.process(), operations.size());
        operations.add(new Operation(op, null));
      } else {
        if (open == null) {
          throw new IllegalArgumentException(
              "op " + op.index() + ": " + op.type().jsonName() + " " + op.f() + " by process "
                  + op.process() + " completes nothing: that process has no operation in flight");
        }
        Op invocation = operations.get(open).invocation();
        if (!invocation.f().equals(op.f()) || !Objects.equals(invocation.key(), op.key())) {
          throw new IllegalArgumentException(
              "op " + op.index() + ": " + op.type().jsonName() + " " + op.f() + " " + op.key()
                  + " does not match the invocation in flight of process " + op.process() + " (op "
                  + invocation.index() + ": " + invocation.f() + " " + invocation.key() + ")");
        }
        operations.set(open, new Operation(invocation, op));
        inFlight.remove(op.process());
      }
      ops.add(op);
      lastIndex = op.index();
      return this;
    }

    public History build() {
      return new History(List.copyOf(ops), List.copyOf(operations));
    }
  }
}

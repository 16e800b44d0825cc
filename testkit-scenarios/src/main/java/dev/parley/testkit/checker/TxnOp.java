package dev.parley.testkit.checker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One step of a transaction, as in Elle's histories: a read of a key (with the value it returned, null
 * for the initial state) or a write of a value. In a {@link dev.parley.protocols.history.History} a
 * transaction is an operation {@code txn} whose value is its steps, each the list {@code [f, key,
 * value]} with {@code f} {@code "r"} or {@code "w"}: at the invocation the reads' values are null, at
 * an OK completion they are the values read.
 *
 * <pre>{@code
 * var h = recorder.invoke("c1", "txn", null, TxnOp.toValue(List.of(TxnOp.read("x", null), TxnOp.write("x", "c1-1"))));
 * recorder.ok(h, TxnOp.toValue(List.of(TxnOp.read("x", "c2-4"), TxnOp.write("x", "c1-1"))));
 * }</pre>
 *
 * @param kind read or write
 * @param key the key
 * @param value the value read (null: the initial state, or not known yet) or written
 */
public record TxnOp(Kind kind, String key, Object value) {

  /** A read or a write. */
  public enum Kind {
    READ("r"),
    WRITE("w");

    private final String code;

    Kind(String code) {
      this.code = code;
    }
  }

  public TxnOp {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
  }

  public static TxnOp read(String key, Object value) {
    return new TxnOp(Kind.READ, key, value);
  }

  public static TxnOp write(String key, Object value) {
    return new TxnOp(Kind.WRITE, key, value);
  }

  public boolean isRead() {
    return kind == Kind.READ;
  }

  /** The step as a history value: {@code ["r", key, value]} or {@code ["w", key, value]}. */
  public List<Object> toValue() {
    return Arrays.asList(kind.code, key, value);
  }

  /** Steps as the value of a {@code txn} operation. */
  public static List<Object> toValue(List<TxnOp> steps) {
    List<Object> value = new ArrayList<>(steps.size());
    steps.forEach(s -> value.add(s.toValue()));
    return value;
  }

  /** The steps a {@code txn} operation's value holds; {@code where} names it in the error if malformed. */
  public static List<TxnOp> parse(Object value, String where) {
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException(where + ": a transaction's value is a list of [f, key, value], got "
          + value);
    }
    List<TxnOp> steps = new ArrayList<>(list.size());
    for (Object element : list) {
      if (!(element instanceof List<?> step) || step.size() != 3 || !(step.get(1) instanceof String key)
          || !("r".equals(step.get(0)) || "w".equals(step.get(0)))) {
        throw new IllegalArgumentException(where + ": a transaction's step is [\"r\" or \"w\", key, value], got "
            + element);
      }
      steps.add(new TxnOp("r".equals(step.get(0)) ? Kind.READ : Kind.WRITE, key, step.get(2)));
    }
    return steps;
  }

  /** For example {@code r x 3} or {@code w y 4} ({@code nothing} for a read of the initial state). */
  @Override
  public String toString() {
    return kind.code + " " + key + " " + (value == null && kind == Kind.READ ? "nothing" : value);
  }
}

package dev.parley.protocols.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {

  private static Op op(long i, String p, OpType t, String f, String k, Object v) {
    return new Op(i, p, t, f, k, v, i, null);
  }

  private final History history = History.of(
      op(0, "c1", OpType.INVOKE, "put", "a", 1L),
      op(1, "c2", OpType.INVOKE, "get", "b", null),
      op(2, "c1", OpType.OK, "put", "a", 1L),
      op(3, "c3", OpType.INVOKE, "put", "a", 2L),
      op(4, "c2", OpType.INFO, "get", "b", null),
      op(5, "c1", OpType.INVOKE, "get", "a", null));

  @Test
  void pairsEachInvocationWithItsCompletion() {
    List<Operation> ops = history.operations();

    assertThat(ops).hasSize(4);
    assertThat(ops.get(0).isOk()).isTrue();
    assertThat(ops.get(0).completionIndex()).isEqualTo(2);
    assertThat(ops.get(1).isIndeterminate()).isTrue();
    assertThat(ops.get(2).completion()).isNull();
    assertThat(ops.get(2).completionIndex()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void subHistoryOfAKeyKeepsIndexes() {
    History a = history.forKey("a");

    assertThat(a.ops()).extracting(Op::index).containsExactly(0L, 2L, 3L, 5L);
    assertThat(history.keys()).containsExactly("a", "b");
    assertThat(history.byKey().get("b").size()).isEqualTo(2);
  }

  @Test
  void processesInOrderOfAppearance() {
    assertThat(history.processes()).containsExactly("c1", "c2", "c3");
  }

  @Test
  void aProcessRunsOneOperationAtATime() {
    assertThatThrownBy(() -> History.of(
            op(0, "c1", OpType.INVOKE, "put", "a", 1L), op(1, "c1", OpType.INVOKE, "get", "a", null)))
        .hasMessage("op 1: process c1 invokes get while its put (op 0) is still in flight;"
            + " a process runs one operation at a time");
  }

  @Test
  void completionMustMatchTheInvocation() {
    assertThatThrownBy(() -> History.of(
            op(0, "c1", OpType.INVOKE, "put", "a", 1L), op(1, "c1", OpType.OK, "put", "b", 1L)))
        .hasMessageContaining("does not match the invocation in flight of process c1");
  }

  @Test
  void indexesMustIncrease() {
    assertThatThrownBy(() -> History.of(
            op(3, "c1", OpType.INVOKE, "put", "a", 1L), op(3, "c2", OpType.INVOKE, "get", "a", null)))
        .hasMessage("op 3 comes after op 3: indexes must strictly increase");
  }

  @Test
  void valuesOutsideTheJsonSubsetAreRejected() {
    assertThatThrownBy(() -> Op.invoke(0, "c1", "put", "a", 1.5, 0))
        .hasMessageContaining("value 1.5 is a Double");
  }
}

package dev.parley.protocols.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryJsonTest {

  private static History sample() {
    long[] time = {0};
    HistoryRecorder r = new HistoryRecorder(() -> time[0] += 1_000);
    var put = r.invoke("c1", "put", "k1", 3L);
    var get = r.invoke("c2", "get", "k1", null);
    r.ok(put);
    r.ok(get, 3L);
    var cas = r.invoke("c1", "cas", "k1", List.of(3L, Long.MAX_VALUE));
    r.fail(cas, "expected 3 but was 4");
    var flag = r.invoke("c2", "put", "k2", Arrays.asList(true, null, "x", List.of(1L, -7L)));
    r.info(flag, "timeout after 500 ms");
    r.invoke("n3", "acquire", null, null);
    return r.history();
  }

  @Test
  void roundTripIsExactIncludingSmallLongsAndLists() throws Exception {
    History original = sample();

    History back = HistoryJson.parse(HistoryJson.toJsonLines(original));

    assertThat(back).isEqualTo(original);
    assertThat(back.ops().get(0).value()).isInstanceOf(Long.class).isEqualTo(3L);
    assertThat(back.ops().get(4).value()).isEqualTo(List.of(3L, Long.MAX_VALUE));
    assertThat(back.ops().get(5).error()).isEqualTo("expected 3 but was 4");
  }

  @Test
  void roundTripThroughAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("history.jsonl");
    History original = sample();

    HistoryJson.write(original, file);

    assertThat(Files.readAllLines(file)).hasSize(original.size());
    assertThat(HistoryJson.read(file)).isEqualTo(original);
  }

  @Test
  void integersFromCallersAreWidenedToLong() {
    Op op = Op.invoke(0, "c1", "put", "k", List.of(1, 2), 0);
    assertThat(op.value()).isEqualTo(List.of(1L, 2L));
  }

  @Test
  void eachLineIsOneCompactObject() {
    String line = HistoryJson.toJson(Op.invoke(7, "c1", "put", "k1", 5L, 42));
    assertThat(line)
        .isEqualTo("{\"index\":7,\"process\":\"c1\",\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k1\","
            + "\"value\":5,\"timeNanos\":42}");
  }

  @Test
  void blankLinesAreSkipped() throws Exception {
    String text = "\n" + HistoryJson.toJson(Op.invoke(0, "c1", "get", "k", null, 0)) + "\n\n";
    assertThat(HistoryJson.parse(text).size()).isEqualTo(1);
  }

  private static String validLine() {
    return HistoryJson.toJson(Op.invoke(0, "c1", "put", "k", 1L, 0));
  }

  @Test
  void malformedJsonNamesTheLine() {
    String text = validLine() + "\n{\"index\":1,\"process\":\"c2\"";
    assertThatThrownBy(() -> HistoryJson.parse(text))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageStartingWith("history line 2: not valid JSON")
        .satisfies(e -> assertThat(((HistoryFormatException) e).lineNumber()).isEqualTo(2));
  }

  @Test
  void unknownOpTypeSaysWhichTypesExist() {
    String text = "{\"index\":0,\"process\":\"c1\",\"type\":\"done\",\"f\":\"put\",\"timeNanos\":0}";
    assertThatThrownBy(() -> HistoryJson.parse(text))
        .hasMessage("history line 1: unknown op type 'done': expected one of invoke, ok, fail, info");
  }

  @Test
  void missingFieldIsNamed() {
    String text = "{\"index\":0,\"type\":\"invoke\",\"f\":\"put\",\"timeNanos\":0}";
    assertThatThrownBy(() -> HistoryJson.parse(text)).hasMessage("history line 1: missing field 'process'");
  }

  @Test
  void decimalValueIsRejected() {
    String text = "{\"index\":0,\"process\":\"c1\",\"type\":\"invoke\",\"f\":\"put\",\"value\":[1,2.5],\"timeNanos\":0}";
    assertThatThrownBy(() -> HistoryJson.parse(text))
        .hasMessageStartingWith("history line 1: value[1] 2.5 is not allowed");
  }

  @Test
  void unknownFieldIsNamed() {
    String text = "{\"index\":0,\"process\":\"c1\",\"type\":\"invoke\",\"f\":\"put\",\"time\":0}";
    assertThatThrownBy(() -> HistoryJson.parse(text))
        .hasMessageStartingWith("history line 1: unknown field 'time'");
  }

  @Test
  void nonIntegerIndexIsRejected() {
    String text = "{\"index\":\"zero\",\"process\":\"c1\",\"type\":\"invoke\",\"f\":\"put\",\"timeNanos\":0}";
    assertThatThrownBy(() -> HistoryJson.parse(text))
        .hasMessage("history line 1: field 'index' must be an integer, found \"zero\"");
  }

  @Test
  void completionWithoutInvocationNamesTheLine() {
    String text = validLine() + "\n"
        + "{\"index\":1,\"process\":\"c2\",\"type\":\"ok\",\"f\":\"put\",\"key\":\"k\",\"timeNanos\":1}";
    assertThatThrownBy(() -> HistoryJson.parse(text))
        .hasMessage("history line 2: op 1: ok put by process c2 completes nothing:"
            + " that process has no operation in flight");
  }
}

package dev.parley.protocols.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A value sent in chunks ({@link ChunkSender}) arrives whole and byte for byte ({@link
 * ChunkAssembler}) over a link that loses, duplicates and reorders, also when the receiver crashes
 * mid-transfer; over a link that only reorders, each chunk is sent about once; no more than the
 * window is ever unacknowledged; chunks of another transfer are not mixed in.
 */
class ChunkedTransferTest {

  static SerializedPayload payload(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return new SerializedPayload(33, "a.Manifest", bytes);
  }

  /**
   * Runs a transfer of {@code sent} over a link that loses and duplicates {@code fault} of the
   * messages each way and delivers each round's in a random order; the receiver crashes (loses its
   * assembler) at round {@code crashAt}. Returns what arrived, or null if nothing within the rounds.
   */
  static SerializedPayload transfer(SerializedPayload sent, double fault, int crashAt, long seed) {
    Random random = new Random(seed);
    ChunkSender sender = new ChunkSender(sent, 1000, 4);
    ChunkAssembler receiver = new ChunkAssembler();
    List<Chunk> inFlight = new ArrayList<>(sender.due());
    for (int round = 0; round < 10_000; round++) {
      if (round == crashAt) {
        receiver = new ChunkAssembler();
      }
      List<Long> answers = new ArrayList<>();
      Collections.shuffle(inFlight, random);
      for (Chunk c : inFlight) {
        int copies = random.nextDouble() < fault ? 0 : random.nextDouble() < fault ? 2 : 1;
        for (int i = 0; i < copies; i++) {
          ChunkAssembler.Outcome o = receiver.accept("t1", c);
          if (o instanceof ChunkAssembler.Whole w) {
            return w.payload();
          }
          answers.add(((ChunkAssembler.Partial) o).received());
        }
      }
      inFlight = new ArrayList<>();
      for (long a : answers) {
        if (random.nextDouble() >= fault) {
          sender.acknowledged(a);
          inFlight.addAll(sender.due());
        }
      }
      if (round % 3 == 2) {
        inFlight.addAll(sender.tick());
      }
    }
    return null;
  }

  @Test
  void aValueArrivesWholeOverALossyDuplicatingReorderingLink() {
    for (long seed = 1; seed <= 50; seed++) {
      SerializedPayload sent = payload(10_000 + (int) seed * 137, seed);
      assertThat(transfer(sent, 0.2, -1, seed)).as("seed %d", seed).isEqualTo(sent);
    }
  }

  @Test
  void aReceiverThatCrashesMidTransferGetsTheValueFromTheStart() {
    for (long seed = 1; seed <= 50; seed++) {
      SerializedPayload sent = payload(20_000, seed);
      assertThat(transfer(sent, 0.1, 3, seed)).as("seed %d", seed).isEqualTo(sent);
    }
  }

  @Test
  void theSenderKeepsAtMostTheWindowUnacknowledgedAndSendsOnFromWhatTheReceiverHolds() {
    ChunkSender sender = new ChunkSender(payload(10_500, 1), 1000, 4);
    assertThat(sender.chunkCount()).isEqualTo(11);
    List<Chunk> first = sender.due();
    assertThat(first).extracting(Chunk::offset).containsExactly(0L, 1000L, 2000L, 3000L);
    assertThat(sender.due()).as("window full").isEmpty();
    sender.acknowledged(2000);
    assertThat(sender.due()).extracting(Chunk::offset).containsExactly(4000L, 5000L);
    sender.acknowledged(0); // the receiver lost what it held
    assertThat(sender.due()).extracting(Chunk::offset).containsExactly(0L, 1000L, 2000L, 3000L);
    assertThat(sender.tick()).as("answered since the last tick: nothing again").isEmpty();
    assertThat(sender.tick()).as("no answer since: the first unacknowledged again").extracting(Chunk::offset)
        .containsExactly(0L);
  }

  /**
   * Over a link that loses nothing but reorders chunks and answers alike, the value arrives having
   * sent each chunk about once: at most one more chunk per tick. A chunk that overtakes another is
   * kept, and an answer overtaken by a later one (it says less) sends nothing again.
   */
  @Test
  void overALinkThatReordersChunksAndAnswersEachChunkIsSentAboutOnce() {
    for (long seed = 1; seed <= 50; seed++) {
      Random random = new Random(seed);
      SerializedPayload sent = payload(20_000, seed);
      ChunkSender sender = new ChunkSender(sent, 100, 4);
      ChunkAssembler receiver = new ChunkAssembler();
      List<Chunk> inFlight = new ArrayList<>(sender.due());
      long chunks = inFlight.size();
      int ticks = 0;
      SerializedPayload arrived = null;
      while (arrived == null && ticks < 10_000) {
        Collections.shuffle(inFlight, random);
        List<Long> answers = new ArrayList<>();
        for (Chunk c : inFlight) {
          ChunkAssembler.Outcome o = receiver.accept("t1", c);
          if (o instanceof ChunkAssembler.Whole w) {
            arrived = w.payload();
          } else {
            answers.add(((ChunkAssembler.Partial) o).received());
          }
        }
        Collections.shuffle(answers, random);
        inFlight = new ArrayList<>();
        for (long a : answers) {
          sender.acknowledged(a);
          inFlight.addAll(sender.due());
        }
        inFlight.addAll(sender.tick());
        ticks++;
        chunks += inFlight.size();
      }
      assertThat(arrived).as("seed %d", seed).isEqualTo(sent);
      assertThat(chunks).as("chunks sent, seed %d", seed).isLessThanOrEqualTo(sender.chunkCount() + ticks);
    }
  }

  @Test
  void aChunkAfterAGapIsKeptAndCountedOnceTheGapIsFilled() {
    SerializedPayload value = payload(4000, 1);
    List<Chunk> chunks = new ChunkSender(value, 1000, 4).due();
    ChunkAssembler receiver = new ChunkAssembler();
    assertThat(receiver.accept("t", chunks.get(0))).isEqualTo(new ChunkAssembler.Partial(1000));
    assertThat(receiver.accept("t", chunks.get(2))).as("after a gap").isEqualTo(new ChunkAssembler.Partial(1000));
    assertThat(receiver.accept("t", chunks.get(3))).isEqualTo(new ChunkAssembler.Partial(1000));
    assertThat(receiver.accept("t", chunks.get(1))).as("the gap filled").isEqualTo(new ChunkAssembler.Whole(value));
  }

  @Test
  void anAnswerOfLessThanAcknowledgedWaitsForATickWithoutProgressUnlessItIsNothing() {
    ChunkSender sender = new ChunkSender(payload(10_500, 1), 1000, 4);
    sender.due();
    sender.acknowledged(3000);
    assertThat(sender.due()).extracting(Chunk::offset).containsExactly(4000L, 5000L, 6000L);
    sender.acknowledged(1000); // overtaken by the answer of 3000, or the receiver crashed and got chunk 0 again
    assertThat(sender.due()).as("nothing sent again at once").isEmpty();
    assertThat(sender.tick()).as("progress since the last tick").isEmpty();
    assertThat(sender.tick()).as("none since: from where the latest answer says").extracting(Chunk::offset)
        .containsExactly(1000L);
    sender.acknowledged(7000);
    assertThat(sender.due()).extracting(Chunk::offset).containsExactly(7000L, 8000L, 9000L, 10_000L);
  }

  @Test
  void chunksOfAnotherTransferAreNotMixedIn() {
    SerializedPayload a = payload(3000, 1);
    SerializedPayload b = payload(3000, 2);
    List<Chunk> ofA = new ChunkSender(a, 1000, 3).due();
    List<Chunk> ofB = new ChunkSender(b, 1000, 3).due();
    ChunkAssembler receiver = new ChunkAssembler();
    assertThat(receiver.accept("a", ofA.get(0))).isEqualTo(new ChunkAssembler.Partial(1000));
    assertThat(receiver.accept("b", ofB.get(1))).as("not b's first chunk: nothing of b held")
        .isEqualTo(new ChunkAssembler.Partial(0));
    assertThat(receiver.accept("a", ofA.get(1))).as("a goes on").isEqualTo(new ChunkAssembler.Partial(2000));
    assertThat(receiver.accept("b", ofB.get(0))).as("b's first chunk starts b").isEqualTo(new ChunkAssembler.Partial(1000));
    assertThat(receiver.accept("a", ofA.get(2))).as("a was dropped for b").isEqualTo(new ChunkAssembler.Partial(0));
    receiver.accept("b", ofB.get(1));
    assertThat(receiver.accept("b", ofB.get(2))).isEqualTo(new ChunkAssembler.Whole(b));
  }

  @Test
  void anEmptyValueTravelsAsOneChunk() {
    SerializedPayload empty = new SerializedPayload(33, "m", new byte[0]);
    List<Chunk> chunks = new ChunkSender(empty, 1000, 4).due();
    assertThat(chunks).hasSize(1);
    assertThat(chunks.get(0).done()).isTrue();
    assertThat(new ChunkAssembler().accept("t", chunks.get(0))).isEqualTo(new ChunkAssembler.Whole(empty));
  }

  @Test
  void badArgumentsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> new ChunkSender(payload(10, 1), 0, 4))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunk size");
    assertThatThrownBy(() -> new Chunk(5, new byte[10], 12, 33, "m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");
  }
}

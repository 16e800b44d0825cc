package dev.parley.protocols.replication;

import static org.assertj.core.api.Assertions.assertThat;

import akka.actor.testkit.typed.javadsl.TestInbox;
import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.SerializedPayload;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Fetch;
import dev.parley.protocols.replication.PrimaryBackup.FetchedChunk;
import dev.parley.protocols.replication.PrimaryBackup.Promise;
import dev.parley.protocols.replication.PrimaryBackup.State;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A view change's state fetch, both sides driven by hand: the candidate asks, the promiser serves
 * what it promised in chunks, the candidate answers each with how much it holds and has the store
 * once the chunks are all there; a promiser asked for anything but its promise refuses with its
 * view. The simulation specs reach the same outcome through resends and new view changes, so they
 * do not show a fetch that costs more than it should.
 */
class StateFetchTest {

  static final NodeId CANDIDATE = NodeId.n(1);
  static final NodeId SOURCE = NodeId.n(2);
  static final NodeId THIRD = NodeId.n(3);

  static final KvStore STORE = KvStore.EMPTY.apply(new Put(new RequestId("c1", 1), "k", "v")).store();

  /** The store serializes to 100 bytes, which a 30-byte chunk size cuts into four chunks. */
  static final PayloadCodec CODEC = new PayloadCodec() {
    @Override
    public SerializedPayload serialize(Object value) {
      return new SerializedPayload(1, "", new byte[100]);
    }

    @Override
    public Object deserialize(SerializedPayload serialized) {
      return STORE;
    }
  };

  /** What the source promised the candidate for view 3: the state of view 2 up to 10. */
  static final State PROMISED = new State(3, CANDIDATE, 2, 10, STORE);

  final TestInbox<Command> toCandidate = TestInbox.create();
  final TestInbox<Command> toSource = TestInbox.create();
  final TestInbox<Command> toThird = TestInbox.create();

  final StateFetch candidate = new StateFetch(
      Peers.of(CANDIDATE, Map.of(SOURCE, toSource.getRef(), THIRD, toThird.getRef())), () -> CODEC, new Random(1), 30);

  StateFetch source(Random random) {
    return new StateFetch(Peers.of(SOURCE, Map.of(CANDIDATE, toCandidate.getRef(), THIRD, toThird.getRef())),
        () -> CODEC, random, 30);
  }

  static Fetch fetch(long transfer, long received, boolean tick) {
    return new Fetch(3, CANDIDATE, 2, 10, transfer, received, tick);
  }

  @Test
  void theCandidateGetsThePromisedStoreInOneRoundOfChunksAndTheSourceThenSendsNothingMore() {
    StateFetch source = source(new Random(2));
    candidate.start(3, new Promise(3, SOURCE, true, 2, 10));
    Fetch first = (Fetch) toSource.receiveMessage();
    assertThat(first).isEqualTo(fetch(0, 0, false));

    source.serve(PROMISED, first);
    List<FetchedChunk> chunks = toCandidate.getAllReceived().stream().map(FetchedChunk.class::cast).toList();
    assertThat(chunks).hasSize(4).extracting(c -> c.chunk().offset()).containsExactly(0L, 30L, 60L, 90L);
    long transfer = chunks.get(0).transfer();
    assertThat(transfer).isNotZero();

    KvStore fetched = null;
    for (FetchedChunk c : chunks) {
      assertThat(candidate.wants(c)).isTrue();
      fetched = candidate.accept(c);
    }
    assertThat(fetched).isEqualTo(STORE);
    assertThat(candidate.fetching()).as("the fetch is over").isFalse();
    assertThat(toSource.getAllReceived()).as("each chunk answered with the bytes held").containsExactly(
        fetch(transfer, 30, false), fetch(transfer, 60, false), fetch(transfer, 90, false), fetch(transfer, 100, false));

    source.serve(PROMISED, fetch(transfer, 100, false));
    source.serve(PROMISED, fetch(transfer, 60, false));
    source.serve(PROMISED, fetch(transfer, 60, true));
    assertThat(toCandidate.hasMessages()).as("nothing sent once the candidate holds it all").isFalse();
  }

  @Test
  void theCandidatesTickAsksForTheTransferItIsAssemblingFromWhatItHolds() {
    StateFetch source = source(new Random(2));
    candidate.start(3, new Promise(3, SOURCE, true, 2, 10));
    source.serve(PROMISED, (Fetch) toSource.receiveMessage());
    FetchedChunk firstChunk = (FetchedChunk) toCandidate.getAllReceived().get(0);

    assertThat(candidate.accept(firstChunk)).isNull();
    toSource.getAllReceived();
    candidate.tick();

    assertThat(toSource.getAllReceived()).containsExactly(fetch(firstChunk.transfer(), 30, true));
  }

  @Test
  void theCandidateWantsOnlyChunksOfThePromisedState() {
    Chunk chunk = new Chunk(0, new byte[30], 100, 1, "");
    assertThat(candidate.wants(new FetchedChunk(3, SOURCE, 2, 10, 7, chunk))).as("before it fetches").isFalse();

    candidate.start(3, new Promise(3, SOURCE, true, 2, 10));

    assertThat(candidate.wants(new FetchedChunk(3, SOURCE, 2, 10, 7, chunk))).isTrue();
    assertThat(candidate.wants(new FetchedChunk(4, SOURCE, 2, 10, 7, chunk))).as("another view").isFalse();
    assertThat(candidate.wants(new FetchedChunk(3, THIRD, 2, 10, 7, chunk))).as("another source").isFalse();
    assertThat(candidate.wants(new FetchedChunk(3, SOURCE, 1, 10, 7, chunk))).as("another installed view").isFalse();
    assertThat(candidate.wants(new FetchedChunk(3, SOURCE, 2, 11, 7, chunk))).as("another position").isFalse();
  }

  @Test
  void aSourceAskedForAnythingButItsPromiseRefusesWithItsView() {
    StateFetch source = source(new Random(2));

    source.serve(PROMISED, new Fetch(2, CANDIDATE, 2, 10, 0, 0, false));
    source.serve(PROMISED, new Fetch(3, THIRD, 2, 10, 0, 0, false));
    source.serve(PROMISED, new Fetch(3, CANDIDATE, 1, 10, 0, 0, false));
    source.serve(PROMISED, new Fetch(3, CANDIDATE, 2, 9, 0, 0, false));

    Promise refused = new Promise(3, SOURCE, false, 0, 0);
    assertThat(toCandidate.getAllReceived()).containsExactly(refused, refused, refused);
    assertThat(toThird.getAllReceived()).containsExactly(refused);
  }

  @Test
  void aTransferIdIsNeverZeroWhichMeansNoTransferYet() {
    Random drawsZeroFirst = new Random() {
      private final long[] draws = {0, 0, 42};
      private int next;

      @Override
      public long nextLong() {
        return draws[Math.min(next++, draws.length - 1)];
      }
    };

    source(drawsZeroFirst).serve(PROMISED, fetch(0, 0, false));

    assertThat(toCandidate.getAllReceived()).isNotEmpty()
        .allSatisfy(m -> assertThat(((FetchedChunk) m).transfer()).isEqualTo(42));
  }
}

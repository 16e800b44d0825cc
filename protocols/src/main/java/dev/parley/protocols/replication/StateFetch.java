package dev.parley.protocols.replication;

import dev.parley.protocols.core.Chunk;
import dev.parley.protocols.core.ChunkAssembler;
import dev.parley.protocols.core.ChunkSender;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.PayloadCodec;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.replication.PrimaryBackup.Command;
import dev.parley.protocols.replication.PrimaryBackup.Fetch;
import dev.parley.protocols.replication.PrimaryBackup.FetchedChunk;
import dev.parley.protocols.replication.PrimaryBackup.Promise;
import dev.parley.protocols.replication.PrimaryBackup.State;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The state transfer of a {@link PrimaryBackup} view change (whose head comment has the model and
 * the safety argument): a candidate promised by a majority whose most advanced promise is another
 * node's fetches that node's state, in chunks, before it serves. Both sides are here: the candidate
 * ({@link #start}, {@link #accept}, {@link #tick}) and the promiser it reads ({@link #serve}).
 *
 * <p>The promiser serializes its store once per transfer and sends it with a {@link ChunkSender}
 * ({@code maxMessageBytes} a chunk, a few unacknowledged); the candidate assembles it ({@link
 * ChunkAssembler}) and answers every chunk with a {@link Fetch} saying how many bytes it holds. On the
 * candidate's timer (the heartbeat) it sends a {@link Fetch} marked {@code tick}: the promiser's
 * retransmission tick, which sends again the first chunk not acknowledged when no answer came since
 * the tick before; it also asks again if the first Fetch was lost.
 *
 * <p>A promiser serves only the candidate it promised in its current view, and only the state it
 * promised (installed view and sequence number); anything else is refused with its view (a denied
 * {@link Promise}), which deposes a candidate of an older view. Each transfer has a random id, which
 * every chunk and every answer carries: a promiser that crashed and came back serves a new transfer
 * (its store serialized afresh), the candidate's assembly restarts from that transfer's first chunk,
 * and answers about the old one are ignored. A candidate that crashed holds nothing: back, it
 * proposes a newer view and fetches afresh if it must. The promiser drops the serialized state once the candidate says it holds it all, once it
 * follows a primary, or when it serves another transfer. A view that moves on ends the fetch
 * ({@link #stop}).
 *
 * <p>Cost: the state's bytes once, plus a chunk per loss or per tick without an answer; memory: one
 * serialized store at the promiser, a buffer of its size at the candidate.
 */
final class StateFetch {

  /** What the candidate fetches: {@code source}'s state as promised for {@code view}. */
  private record Wanted(long view, NodeId source, long installedView, long seq) {
    boolean of(FetchedChunk c) {
      return c.view() == view && c.from().equals(source) && c.installedView() == installedView && c.seq() == seq;
    }
  }

  /**
   * A transfer this node serves: its state, as promised to {@code candidate} for {@code view}; {@code
   * chunks} null once the candidate holds it all.
   */
  private record Served(long view, NodeId candidate, long installedView, long seq, long transfer,
      ChunkSender chunks) {
    boolean of(Fetch f) {
      return f.view() == view && f.candidate().equals(candidate) && f.installedView() == installedView
          && f.seq() == seq;
    }

    Served whole() {
      return new Served(view, candidate, installedView, seq, transfer, null);
    }
  }

  private final Peers<Command> peers;
  private final Supplier<PayloadCodec> codec;
  private final Random random;
  private final int chunkBytes;
  private ChunkAssembler incoming = new ChunkAssembler();
  private Wanted wanted;
  /** The transfer the candidate last took a chunk of (0: none yet). */
  private long transfer;
  private Served served;

  /**
   * @param codec serializes the state served and reads the state fetched
   * @param random draws the transfers' ids
   * @param chunkBytes the most bytes of state a chunk carries
   */
  StateFetch(Peers<Command> peers, Supplier<PayloadCodec> codec, Random random, int chunkBytes) {
    this.peers = peers;
    this.codec = codec;
    this.random = random;
    this.chunkBytes = chunkBytes;
  }

  // ---------------------------------------------------------------- the candidate

  /** The candidate of {@code view} starts fetching the state {@code best} promised. */
  void start(long view, Promise best) {
    wanted = new Wanted(view, best.from(), best.installedView(), best.seq());
    incoming = new ChunkAssembler();
    transfer = 0;
    answer(0, 0, false);
  }

  /** Whether this node, a candidate, is fetching a state. */
  boolean fetching() {
    return wanted != null;
  }

  /** Whether {@code c} is a chunk of the state being fetched. */
  boolean wants(FetchedChunk c) {
    return wanted != null && wanted.of(c);
  }

  /**
   * Takes a chunk of the state being fetched ({@link #wants}) and answers it: the whole store once the
   * chunks complete it (the fetch is then over), else null.
   */
  KvStore accept(FetchedChunk c) {
    ChunkAssembler.Outcome outcome = incoming.accept(c.transfer(), c.chunk());
    if (outcome instanceof ChunkAssembler.Partial p) {
      if (Long.valueOf(c.transfer()).equals(incoming.assembling())) {
        transfer = c.transfer();
      }
      answer(c.transfer(), p.received(), false);
      return null;
    }
    answer(c.transfer(), c.chunk().total(), false);
    KvStore store;
    try {
      store = (KvStore) codec.get().deserialize(((ChunkAssembler.Whole) outcome).payload());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("primary-backup node " + peers.self() + " cannot read the state of "
          + c.from() + " fetched for view " + c.view() + ": " + e.getMessage(), e);
    }
    stop();
    return store;
  }

  /** The candidate's timer: asks again, which is also the promiser's retransmission tick. */
  void tick() {
    if (wanted != null) {
      answer(transfer, incoming.received(), true);
    }
  }

  /** The candidate stops fetching (it started its view, or the view moved on). */
  void stop() {
    wanted = null;
    incoming = new ChunkAssembler();
    transfer = 0;
  }

  /** Tells the source this node holds the first {@code received} bytes of its transfer {@code id}. */
  private void answer(long id, long received, boolean tick) {
    peers.tell(wanted.source(), new Fetch(wanted.view(), peers.self(), wanted.installedView(), wanted.seq(), id,
        received, tick));
  }

  // ---------------------------------------------------------------- the promiser

  /**
   * Answers {@code f}: the chunks due of this node's state if it is what this node promised {@code
   * f}'s candidate in its current view, else a denied {@link Promise} naming this node's view.
   */
  void serve(State state, Fetch f) {
    if (state.view() != f.view() || !f.candidate().equals(state.promised())
        || state.installedView() != f.installedView() || state.seq() != f.seq()) {
      peers.tell(f.candidate(), new Promise(state.view(), peers.self(), false, 0, 0));
      return;
    }
    List<Chunk> chunks;
    if (served == null || !served.of(f)) {
      served = new Served(f.view(), f.candidate(), f.installedView(), f.seq(), newTransferId(),
          new ChunkSender(codec.get().serialize(state.store()), chunkBytes, PrimaryRole.SNAPSHOT_CHUNKS_IN_FLIGHT));
      chunks = served.chunks().due();
    } else if (served.chunks() == null) {
      return; // the candidate holds it all: a Fetch that was late
    } else if (f.tick()) {
      chunks = served.chunks().tick();
    } else if (f.transfer() != served.transfer()) {
      return; // an answer about a transfer this node served before it restarted
    } else if (f.received() >= served.chunks().total()) {
      served = served.whole(); // the candidate holds it all: the serialized state is not needed any more
      return;
    } else {
      served.chunks().acknowledged(f.received());
      chunks = served.chunks().due();
    }
    for (Chunk c : chunks) {
      peers.tell(f.candidate(), new FetchedChunk(served.view(), peers.self(), served.installedView(), served.seq(),
          served.transfer(), c));
    }
  }

  /** This node follows a primary: no candidate fetches from it any more. */
  void stopServing() {
    served = null;
  }

  private long newTransferId() {
    long id;
    do {
      id = random.nextLong();
    } while (id == 0);
    return id;
  }
}

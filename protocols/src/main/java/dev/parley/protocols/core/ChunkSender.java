package dev.parley.protocols.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The sending side of one transfer of a large value to one receiver, in chunks with flow control:
 * the value serialized once ({@link SerializedPayload}), cut into chunks of at most {@code chunkBytes}
 * bytes, at most {@code window} of them sent and not yet acknowledged. The receiver ({@link
 * ChunkAssembler}) answers every chunk with how many bytes it holds in order; this side sends on from
 * there. A protocol drives it: it sends what {@link #due} returns, reports each answer to {@link
 * #acknowledged}, and calls {@link #tick} on a timer of its own (Raft: the leader's heartbeat).
 *
 * <p>Model: links that lose, duplicate, delay and reorder; a receiver that may crash and lose what it
 * held. Guarantees: a chunk or an answer that is lost is made up for: a tick with no progress since
 * the one before sends again the first chunk the receiver has not acknowledged (one chunk, so a
 * receiver that is down costs a chunk per tick, not a window), and its answer opens the window again
 * from what the receiver then holds. Every chunk is sent again until acknowledged, so the transfer
 * completes once the links deliver for long enough.
 *
 * <p>Answers are cumulative, like TCP's acknowledgements, and a link that reorders delivers some of
 * them late: an answer of fewer bytes than acknowledged before is most often such a late one, and is
 * not acted on at once. Going back on every lower answer would resend a window of chunks whose
 * answers, reordered in turn, send the sender back again: the messages of one transfer would grow
 * without bound while it hardly advances (Raft's snapshots in 64-byte chunks over links delaying 1 to
 * 5 ms: docs/testing-quality.md). A receiver that holds nothing of the transfer (it crashed
 * and restarted, or dropped it for another) answers 0, and is sent the value from the start at once;
 * one that holds less but not nothing (it crashed and was sent the first chunk again) is believed on
 * the next tick without progress, which goes back to what the latest answer said.
 *
 * <p>Cost: the payload's bytes plus a chunk per loss or per tick without progress, and at most a
 * window per answer of 0; memory: the one serialized payload, shared by the chunks (each chunk copies
 * its slice when made).
 */
public final class ChunkSender {

  private final SerializedPayload payload;
  private final int chunkBytes;
  private final int window;
  private final int chunks;
  /** The receiver holds every chunk before this one (as far as its last answer says). */
  private int acked;
  /** The next chunk to send. */
  private int next;
  /** What the latest answer said the receiver holds, in chunks (it may be a late one). */
  private int heard;
  /** Whether the receiver acknowledged more since the last tick. */
  private boolean progressed = true;

  /**
   * @param payload the value, serialized
   * @param chunkBytes the most bytes a chunk carries (at least 1)
   * @param window the most chunks sent and not yet acknowledged (at least 1)
   */
  public ChunkSender(SerializedPayload payload, int chunkBytes, int window) {
    this.payload = Objects.requireNonNull(payload, "payload");
    if (chunkBytes < 1 || window < 1) {
      throw new IllegalArgumentException("chunk size and window must be at least 1, got " + chunkBytes + " and "
          + window);
    }
    this.chunkBytes = chunkBytes;
    this.window = window;
    this.chunks = Math.max(1, (int) ((payload.size() + (long) chunkBytes - 1) / chunkBytes));
  }

  /** The length of the whole serialized value. */
  public long total() {
    return payload.size();
  }

  /** How many chunks the value is cut into. */
  public int chunkCount() {
    return chunks;
  }

  /** The chunks to send now: the next ones, while fewer than {@code window} are unacknowledged. */
  public List<Chunk> due() {
    List<Chunk> due = new ArrayList<>();
    while (next < chunks && next - acked < window) {
      due.add(chunk(next++));
    }
    return due;
  }

  /**
   * The receiver's answer: it holds the first {@code received} bytes. Moves the window forward to
   * there, or back to the start if it holds nothing; an answer of less, but not nothing, waits for
   * {@link #tick}. The chunks then due are {@link #due}'s.
   */
  public void acknowledged(long received) {
    int holds = received >= payload.size() ? chunks : (int) (Math.max(0, received) / chunkBytes);
    heard = holds;
    if (holds > acked) {
      acked = holds;
      next = Math.max(next, holds);
      progressed = true;
    } else if (holds == 0 && acked > 0) {
      acked = 0; // it lost what it held: send again from the start
      next = 0;
      progressed = true;
    }
  }

  /**
   * The retransmission timer: if the receiver acknowledged nothing more since the last tick, the chunk
   * from which the latest answer says it lacks bytes (the receiver's answer to it says where to go on
   * from); else nothing more than {@link #due}.
   */
  public List<Chunk> tick() {
    if (!progressed && acked < chunks) {
      acked = Math.min(acked, heard);
      next = acked + 1;
      return List.of(chunk(acked));
    }
    progressed = false;
    return due();
  }

  private Chunk chunk(int i) {
    int from = i * chunkBytes;
    int to = Math.min(payload.size(), from + chunkBytes);
    return new Chunk(from, Arrays.copyOfRange(payload.bytes(), from, to), payload.size(), payload.serializerId(),
        payload.manifest());
  }
}

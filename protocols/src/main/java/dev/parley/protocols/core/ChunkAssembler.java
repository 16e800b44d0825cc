package dev.parley.protocols.core;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The receiving side of chunked transfers ({@link ChunkSender}): puts the chunks of one transfer
 * together and hands over the whole {@link SerializedPayload} once its last byte is in. Every chunk
 * is answered with how many bytes are held in order ({@link Partial}), which tells the sender where to
 * go on from. A duplicate changes nothing; a chunk after a gap (it overtook one sent before it, or
 * that one was lost) is kept in place and counted once the gap is filled, as a TCP receiver keeps
 * segments out of order: over a link that reorders, dropping it would leave a gap for every
 * overtaking and the sender to fill each on its timer.
 *
 * <p>A transfer is named by a key the protocol chooses (Raft: the leader's term and the snapshot's
 * last index and term). A chunk of another transfer than the one being assembled starts that one if
 * it is its first chunk (the one before is dropped); otherwise it is answered "nothing held" ({@code
 * Partial(0)}), so its sender starts over. The protocol refuses chunks of transfers it no longer wants
 * (an old term) before they get here.
 *
 * <p>Memory only, one transfer at a time: a crash loses what was held, and the sender, told so by the
 * first answer after it, sends again from the start. Cost: one buffer of the payload's size, and an
 * entry per stretch of chunks held after a gap.
 */
public final class ChunkAssembler {

  /** What a chunk led to. */
  public sealed interface Outcome permits Partial, Whole {}

  /** The first {@code received} bytes of the chunk's transfer are held: the answer to send. */
  public record Partial(long received) implements Outcome {}

  /** The chunk completed its transfer: the whole payload. */
  public record Whole(SerializedPayload payload) implements Outcome {}

  private Object key;
  private byte[] buffer;
  private int received;
  /** Stretches of bytes held after the first gap: where each starts, and where it ends. */
  private final TreeMap<Integer, Integer> ahead = new TreeMap<>();

  /** Takes {@code chunk} of the transfer named {@code transfer}. */
  public Outcome accept(Object transfer, Chunk chunk) {
    Objects.requireNonNull(transfer, "transfer");
    if (!transfer.equals(key) || chunk.total() != buffer.length) {
      if (chunk.offset() != 0) {
        return new Partial(0);
      }
      if (chunk.total() > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("a chunked payload of " + chunk.total() + " bytes is larger than a "
            + "Java array holds (2 GiB)");
      }
      key = transfer;
      buffer = new byte[(int) chunk.total()];
      received = 0;
      ahead.clear();
    }
    int from = (int) chunk.offset();
    int to = from + chunk.data().length;
    if (to > received) {
      System.arraycopy(chunk.data(), 0, buffer, from, chunk.data().length);
      if (from > received) {
        ahead.merge(from, to, Math::max); // after a gap: held, counted once the gap is filled
      } else {
        received = to;
      }
      Map.Entry<Integer, Integer> next;
      while ((next = ahead.firstEntry()) != null && next.getKey() <= received) {
        received = Math.max(received, next.getValue());
        ahead.pollFirstEntry();
      }
    }
    if (received < buffer.length) {
      return new Partial(received);
    }
    SerializedPayload whole = new SerializedPayload(chunk.serializerId(), chunk.manifest(), buffer);
    key = null;
    buffer = null;
    received = 0;
    ahead.clear();
    return new Whole(whole);
  }

  /** The key of the transfer being assembled, or null. */
  public Object assembling() {
    return key;
  }

  /** How many bytes of the transfer being assembled are held. */
  public long received() {
    return received;
  }
}

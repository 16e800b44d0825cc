package dev.parley.protocols.pubsub;

import dev.parley.protocols.core.NameBuckets;
import dev.parley.protocols.core.WireMessage;

/**
 * When the {@link TopicBroker} forgets a publisher (client sessions, as the replicated stores'
 * {@code ClientSessions} keep them for self-named clients), and how much it keeps to recognise one
 * it forgot.
 *
 * <p>Model: a publisher expires once {@code afterMessages} messages (of any publisher) have been
 * accepted since its own last one; expiry is checked every {@code afterMessages / 2} accepted
 * messages (at least every one), so an expired publisher was silent for between {@code
 * afterMessages} and one and a half times that. Counted in accepted messages, never a clock, so a
 * recovery replays the same expiries from the journal.
 *
 * <p>Guarantees: a publisher's table entry (its last number and latest fingerprints) goes when it
 * expires, leaving its last number folded into three of {@code buckets} counters (the highest number
 * of the expired publishers whose ids hash there). A publisher the broker does not know may number
 * its first message only above the least of its three counters (its floor): so a retry of an
 * expired publisher's message (numbered at most its last) is refused, never taken twice, and an
 * expired publisher that goes on with its next number is taken. A live publisher (one with an entry)
 * is never refused by expiry. A new publisher numbering from 1 is refused when all three of its
 * counters are in use: about (1 - e^(-3n/b))^3 after n expired publishers in b buckets (the
 * refusal names the number to start from; more buckets make it rarer). The number of buckets a
 * broker's counters were made with is kept with them: a changed {@code buckets} applies to a
 * broker that has not yet forgotten any publisher.
 *
 * <p>Cost: at most about {@code 1.5 * afterMessages} publishers in the table (each entry: its id, a
 * number, and up to {@value BrokerState#REMEMBERED} fingerprints); the counters in use, 12 bytes
 * each, at most {@code buckets}; a sweep of the table every {@code afterMessages / 2} messages.
 *
 * @param afterMessages messages accepted (of any publisher) after a publisher's last one before it
 *     expires; at least 1
 * @param buckets counters remembering the highest number of expired publishers; 1 to 2^20
 */
public record PublisherExpiry(long afterMessages, int buckets) implements WireMessage {

  /** A hundred thousand messages of silence; 65,536 buckets. */
  public static final PublisherExpiry DEFAULT = new PublisherExpiry(100_000, 1 << 16);

  public PublisherExpiry {
    if (afterMessages < 1) {
      throw new IllegalArgumentException("publisher expiry after-messages must be at least 1, got " + afterMessages
          + ": the number of messages accepted after a silent publisher's last one before the broker forgets it");
    }
    if (buckets < 1 || buckets > 1 << 20) {
      throw new IllegalArgumentException("publisher expiry buckets must be from 1 to " + (1 << 20) + ", got "
          + buckets);
    }
  }

  /**
   * The reason of the {@link TopicBroker.SeqReused} refusing {@code seq} of {@code publisherId}, a
   * publisher the broker does not know, as not above {@code floor} (the refusal's {@code goOnAbove}).
   */
  String refusal(String publisherId, long seq, long floor) {
    return "publisher " + publisherId + " is not known to this broker, and seq " + seq + " is not above " + floor
        + ", the highest seq of the expired publishers it cannot tell this one from: if this publisher expired"
        + " (nothing from it while " + afterMessages + " other messages were accepted), this message may have been"
        + " published already, and it was not published now. A publisher that goes on numbers its next message"
        + " above " + floor + " (a new one may start there, or take another publisher id)";
  }

  /** How many accepted messages apart the broker looks for expired publishers. */
  long sweepEvery() {
    return Math.max(1, afterMessages / 2);
  }

  /** The buckets of {@code count} that {@code publisherId} hashes to (the same on every JVM). */
  static int[] bucketsOf(String publisherId, int count) {
    return NameBuckets.of(publisherId, count);
  }
}

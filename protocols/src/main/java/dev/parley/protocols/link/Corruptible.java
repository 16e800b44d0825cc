package dev.parley.protocols.link;

import java.util.Random;

/**
 * A message whose body a link can garble in transit (a frame of bytes, as the authenticated link
 * sends). A link asked to corrupt any other message discards it instead, as a checksum below the
 * protocol would: corruption then shows up to the protocol as loss.
 */
public interface Corruptible {

  /** This message with some of its bytes changed. */
  Object corrupted(Random random);
}

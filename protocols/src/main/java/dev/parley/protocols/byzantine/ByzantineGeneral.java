package dev.parley.protocols.byzantine;

import dev.parley.protocols.core.WireMessage;
import java.time.Duration;

/**
 * One node's part of one Byzantine agreement run (OM(m) or SM(m)) as plain state, so that either
 * its own behavior or {@link ByzantineRuns} (many runs in one actor) can host it. The host gives it
 * the common start of round 1, every message of the algorithm that arrives, and the end of the last
 * round, {@link #decisionDelay()} after the start; the part sends and tells its decision through
 * the functions it was made with.
 */
public sealed interface ByzantineGeneral permits OralMessages.General, SignedMessages.General {

  /** Round 1 begins (the commander orders {@code value}); false if it had begun already. */
  boolean start(int value);

  /** A message of the algorithm arrived (anything else is ignored). */
  void receive(WireMessage message);

  /** The last round is over: a lieutenant decides. */
  void decide();

  /** How long after the start the last round is over. */
  Duration decisionDelay();

  /** How many messages this node sent. */
  int sent();
}

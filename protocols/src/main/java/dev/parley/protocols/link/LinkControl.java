package dev.parley.protocols.link;

import akka.actor.typed.ActorRef;

/** What a nemesis (or a test) tells a {@link FaultyLink}: change its plan, report its counts. */
public sealed interface LinkControl {

  /** From now on, treat every message with {@code plan}. */
  record SetPlan(FaultPlan plan) implements LinkControl {}

  /** Reply with the link's counters. */
  record GetStats(ActorRef<LinkStats> replyTo) implements LinkControl {}

  /** Late binding of where the link delivers (to break creation cycles of link stacks). */
  record Connect(ActorRef<Object> target) implements LinkControl {}

  /**
   * What a link has done so far.
   *
   * @param sent messages handed to the link
   * @param delivered copies that reached the far end (duplicates counted)
   * @param dropped messages lost by a drop, a cut, or corruption of a plain message
   * @param duplicated extra copies made
   * @param corrupted copies garbled in transit and still delivered
   * @param delayed copies held back by a delay or a reorder
   */
  record LinkStats(
      long sent, long delivered, long dropped, long duplicated, long corrupted, long delayed) {}
}

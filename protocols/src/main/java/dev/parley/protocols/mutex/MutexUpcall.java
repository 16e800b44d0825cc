package dev.parley.protocols.mutex;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;

/**
 * What the mutual-exclusion protocols of this package report to their listener. Every algorithm
 * raises the same three, {@link Requested}, {@link Granted} and {@link Released}, so one checker
 * (the scenarios testkit's {@code MutualExclusionChecker}) serves them all; a few raise more to say
 * why (a lease ended, a token was regenerated, a vote was lost and the node backs off). The
 * downcalls are each protocol's own; {@link MutexProtocol} says how to make them.
 */
public sealed interface MutexUpcall extends WireMessage
    permits Requested,
        Granted,
        Released,
        LeaseExpired,
        LockClient.AcquireTimedOut,
        TokenRing.TokenRegenerated,
        DecentralizedMutex.BackedOff {

  /** The node the upcall is about (the requester, holder or releaser). */
  NodeId node();
}

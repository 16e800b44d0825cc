package dev.parley.protocols.failure;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.WireMessage;

/**
 * The upcalls every failure detector of this package raises: {@link Suspect} when it starts to
 * suspect a peer has crashed, {@link Restore} when that peer is heard from again (the suspicion was
 * false, or the peer recovered). One listener and one checker serve every detector.
 */
public sealed interface FailureDetectorEvent extends WireMessage permits Suspect, Restore {

  /** The node whose detector raised this. */
  NodeId node();
}

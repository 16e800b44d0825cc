package dev.parley.protocols.mutex;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.BehaviorInterceptor;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WriteAhead;
import java.util.List;
import org.slf4j.Logger;

/**
 * The deliberately broken lock server the specs use as a negative control: the production server
 * with the one part that differs replaced.
 */
public final class BrokenLocks {

  private BrokenLocks() {}

  /**
   * A member of a lock-server group whose server sends a grant as soon as it decides it, before the
   * write that records the new holder has completed (and again after it, as the correct one does).
   */
  public static Behavior<Object> grantingBeforeWriting(NodeId server, String lockName,
      LockServer.Settings serverSettings, LockClient.Settings clientSettings, Peers<Object> peers, NodeEnv env,
      ActorRef<MutexUpcall> listener) {
    return LockServer.inGroup(server, lockName, serverSettings, clientSettings, peers, env, listener,
        GrantingEarly::new);
  }

  /**
   * A member of a lock-server group whose clients trust a grant until they release it: they never
   * end their lease on their own (their lease timer's message is dropped), so a holder cut off from
   * the server keeps holding after the server handed the lock on.
   */
  public static Behavior<Object> clientsIgnoringTheirLeases(NodeId server, String lockName,
      LockServer.Settings serverSettings, LockClient.Settings clientSettings, Peers<Object> peers, NodeEnv env,
      ActorRef<MutexUpcall> listener) {
    Behavior<Object> member =
        LockServer.inGroup(server, lockName, serverSettings, clientSettings, peers, env, listener);
    return peers.self().equals(server) ? member : Behaviors.intercept(LeaseEndsIgnored::new, member);
  }

  private static final class LeaseEndsIgnored extends BehaviorInterceptor<Object, Object> {
    LeaseEndsIgnored() {
      super(Object.class);
    }

    @Override
    public Behavior<Object> aroundReceive(TypedActorContext<Object> context, Object message,
        ReceiveTarget<Object> target) {
      return message instanceof LockClient.LeaseEnd ? Behaviors.same() : target.apply(context, message);
    }
  }

  /** The server's handling of requests with its one method that differs: it grants before the write. */
  private static final class GrantingEarly extends LockRequests {

    GrantingEarly(Peers<LockClient.Command> clients, NodeEnv env, ActorRef<MutexUpcall> listener,
        LockServer.Settings settings, Logger log, TimerScheduler<LockServer.Command> timers,
        WriteAhead<LockServer.Command, LockServer.Event, LockServer.State> writes) {
      super(clients, env, listener, settings, log, timers, writes);
    }

    @Override
    Effect<LockServer.Event, LockServer.State> change(LockServer.State before, List<LockServer.Event> events) {
      LockServer.State after = before;
      for (LockServer.Event e : events) {
        after = after.apply(e);
      }
      LockServer.Holder was = before.holder();
      LockServer.Holder now = after.holder();
      if (now != null && (was == null || was.token() != now.token())) {
        startLease(now);
        sendGrant(now); // the bug: the grant leaves before the write that records it
      }
      return super.change(before, events);
    }
  }
}

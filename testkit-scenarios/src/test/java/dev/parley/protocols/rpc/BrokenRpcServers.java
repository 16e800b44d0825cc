package dev.parley.protocols.rpc;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.persistence.typed.javadsl.Effect;
import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.core.Peers;
import dev.parley.protocols.core.WireMessage;

/**
 * The deliberately broken RPC servers the specs use as negative controls: the production server
 * with the one part that differs replaced.
 */
public final class BrokenRpcServers {

  private BrokenRpcServers() {}

  /**
   * As {@link RpcServer#inGroup}, but the server answers a request as soon as it executes it, before
   * the write that journals the execution (and its cached reply) has completed, and again after it,
   * as the correct one does. A write lost to a crash or a failure leaves an answered call that the
   * server never executed, as far as its journal knows.
   */
  public static <S> Behavior<Object> answeringBeforeWriting(NodeId server, Semantics semantics,
      RpcService<S> service, RpcClient.Settings clientSettings, Peers<Object> peers, NodeEnv env,
      ActorRef<Object> listener) {
    return RpcServer.inGroup(server, semantics, service, clientSettings, peers, env, listener, AnsweringEarly::new);
  }

  private static final class AnsweringEarly extends RpcServer {

    AnsweringEarly(String name, Semantics semantics, RpcService<Object> service, Peers<RpcClient.Command> clients,
        ActorRef<? super Executed> listener) {
      super(name, semantics, service, clients, listener);
    }

    @Override
    Effect<Event, State> perform(Request r, WireMessage result) {
      answer(r, result); // the bug: the answer leaves before the write that journals the execution
      return super.perform(r, result);
    }
  }
}

package dev.parley.cluster;

import dev.parley.protocols.core.NodeId;
import java.util.function.Function;

/**
 * A {@link ProtocolKind} whose client requests one node serves, its leader: a request answered at
 * another node with "not the leader, X leads" is forwarded once to X over the cluster ({@link
 * Forwarding}) and answered with X's answer (header {@code Parley-Served-By}), unless forwarding is
 * off or the request asks for the 307 ({@code ?redirect=true}, {@code Parley-Redirect: true}). The
 * key-value stores ({@link KvKind}) and the partitioned log ({@link LogKind}) are such kinds; a
 * user's kind becomes one by implementing this interface, and its operations answer on {@code
 * POST /protocols/{name}/{op}} the same way.
 *
 * <p>What is forwarded is the {@link Invocation.Answered#request() request} an operation's invocation
 * carries, unchanged (so it keeps its id: a retry through any node is deduplicated as before); it
 * must be a {@link dev.parley.protocols.core.WireMessage}, as the answer must. The leader's node
 * makes its invocation again with {@link #invocation} and carries it out as its own client's.
 */
public interface LeaderServed {

  /**
   * The upcall answering a request that says this node does not serve it (so it had no effect here),
   * and the leader it names: {@code new NotServed<>(NotLeader.class, NotLeader::leader)}.
   */
  NotServed<?> notServed();

  /**
   * The invocation of {@code request}, the {@link Invocation.Answered#request()} of one of this
   * kind's invocations made at another node, at this node: the same downcall, answered by the same
   * upcall under the same key. An invocation that carries no request ({@link
   * Invocation.Answered#carrying}) is not forwarded; one this method throws on is not carried out
   * (the first node answers with its own "not the leader").
   */
  Invocation.Answered<?> invocation(Object request);

  /**
   * An upcall of type {@code answer} says the node does not serve the request; {@code leader} is the
   * node it names as serving it (null: none known).
   */
  record NotServed<A>(Class<A> answer, Function<? super A, NodeId> leader) {

    /** Whether {@code upcall} says the node does not serve the request. */
    public boolean says(Object upcall) {
      return answer.isInstance(upcall);
    }

    /** The leader {@code upcall}, one that {@link #says} so, names; null if none. */
    public NodeId leaderIn(Object upcall) {
      return leader.apply(answer.cast(upcall));
    }
  }
}

package dev.parley.protocols.multicast;

/**
 * How to drive one member of the multicast family: its own multicast downcall. Each protocol of this
 * package owns that record in its sealed {@code Command} and offers its adapter as a constant
 * ({@code CausalMulticast.MULTICAST}, {@code FifoMulticast.MULTICAST}, ...).
 *
 * <p>What the family shares is its upcall, {@link Delivered} (with the {@link MessageId} naming the
 * message): every member raises it to its listener, and it is what the scenarios testkit's {@code
 * DeliveryOrderChecker} and multicast workloads and the cluster's multicast kinds read. So a variant
 * of one's own, in one's own package, uses them by raising {@link Delivered} and giving its adapter
 * (a method reference to its record's constructor will do); Parley needs no edit.
 *
 * @param <C> the protocol's command type
 */
@FunctionalInterface
public interface MulticastProtocol<C> {

  /** The downcall: multicast {@code payload} to the group. */
  C multicast(Object payload);
}

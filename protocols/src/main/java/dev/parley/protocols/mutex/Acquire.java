package dev.parley.protocols.mutex;

/**
 * The downcall every mutual-exclusion protocol of this package accepts: this node wants the critical
 * section. The protocol raises {@link Requested} when the request is made (or, for the lock server,
 * when the server queues it) and {@link Granted} when this node may enter. One outstanding request
 * per node: an {@code Acquire} while already waiting or holding is ignored.
 */
public record Acquire()
    implements LockClient.Command,
        RicartAgrawala.Command,
        TokenRing.Command,
        DecentralizedMutex.Command,
        LamportMutex.Command,
        Maekawa.Command {}

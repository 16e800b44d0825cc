package dev.parley.protocols.mutex;

/**
 * The downcall every mutual-exclusion protocol of this package accepts: this node leaves the
 * critical section. The protocol raises {@link Released}. A {@code Release} when not holding is
 * ignored (a lease may have ended first, which raised {@link Released} already).
 */
public record Release()
    implements LockClient.Command,
        RicartAgrawala.Command,
        TokenRing.Command,
        DecentralizedMutex.Command,
        LamportMutex.Command,
        Maekawa.Command {}

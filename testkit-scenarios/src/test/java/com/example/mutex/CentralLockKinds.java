package com.example.mutex;

import dev.parley.cluster.KindProvider;
import dev.parley.cluster.MutexKinds;
import dev.parley.cluster.ProtocolKind;
import java.util.List;

/**
 * The user's provider of {@link CentralLock} as the kind {@code central-lock}, through the mutual
 * exclusion family's kind factory: {@code POST /protocols/<instance>/acquire} and {@code release}
 * per HTTP client, and its live status, with no code of its own for them. A node finds it through
 * the services file {@code META-INF/services/dev.parley.cluster.KindProvider} naming this class.
 */
public final class CentralLockKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(MutexKinds.of("central-lock", "a user's central-coordinator lock: 3 messages per entry",
        ctx -> CentralLock.create(ctx.typedPeers(), ctx.upcalls().narrow()), CentralLock.MUTEX));
  }
}

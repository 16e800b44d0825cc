package dev.parley.cluster;

import java.util.List;

/**
 * Where a node finds protocol kinds: every class named in a {@code
 * META-INF/services/dev.parley.cluster.KindProvider} file that the node's class loader sees (found
 * by {@link java.util.ServiceLoader}). Parley's own kinds come this way from cluster-runtime; a
 * user's come from the jars and class directories the node is given with {@code --with PATH}.
 *
 * <p>A provider is a public class with a public constructor taking no arguments. Its kinds' names
 * must differ from every other kind's: a node refuses two kinds of one name, naming both providers.
 * Settings belong in the kinds' configuration sections ({@link KindConfig}), not in the provider.
 */
public interface KindProvider {

  /** The kinds this provider offers. */
  List<ProtocolKind> kinds();
}

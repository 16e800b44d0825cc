package dev.parley.cluster;

import java.util.List;

/** Byzantine agreement (oral and signed messages) and the two generals as kinds. */
public final class AgreementKinds implements KindProvider {

  @Override
  public List<ProtocolKind> kinds() {
    return List.of(
        new ByzantineKind("oral-messages",
            "Byzantine agreement OM(m), oral messages: needs n >= 3m+1; decide with traitors per call", false),
        new ByzantineKind("signed-messages",
            "Byzantine agreement SM(m), Ed25519-signed messages: agreement for any n >= m+2", true),
        new TwoGeneralsKind("two-generals",
            "the two generals (the first two nodes): a bounded acknowledgement chain over a lossy link"));
  }
}

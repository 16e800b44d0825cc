package dev.parley.protocols.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * A short, collision-resistant digest of a request's fields (SHA-256, the first 128 bits in
 * Base64): each field is length-prefixed and null is told from the empty string, so different field
 * lists never digest alike by concatenation.
 */
public final class Fingerprint {

  /** A digest per thread, reset by each use: looking the algorithm up costs more than digesting a request. */
  private static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  });

  private Fingerprint() {}

  public static String of(String... fields) {
    MessageDigest sha = SHA.get();
    sha.reset();
    for (String field : fields) {
      if (field == null) {
        sha.update((byte) 0);
      } else {
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        sha.update((byte) 1);
        sha.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
            (byte) (bytes.length >>> 8), (byte) bytes.length});
        sha.update(bytes);
      }
    }
    byte[] digest = sha.digest();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 16));
  }
}

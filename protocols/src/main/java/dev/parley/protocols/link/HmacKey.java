package dev.parley.protocols.link;

import com.typesafe.config.Config;
import java.util.Arrays;
import java.util.Base64;

/**
 * The shared secret of an {@link AuthenticatedLink}, at least 16 bytes, read from configuration
 * ({@code parley.link.hmac-key}, base64).
 */
public final class HmacKey {

  /** Where the key lives in configuration. */
  public static final String CONFIG_PATH = "parley.link.hmac-key";

  private final byte[] bytes;

  private HmacKey(byte[] bytes) {
    if (bytes.length < 16) {
      throw new IllegalArgumentException(
          "an HMAC key needs at least 16 bytes, got " + bytes.length
              + "; generate one with: head -c 32 /dev/urandom | base64");
    }
    this.bytes = bytes.clone();
  }

  public static HmacKey of(byte[] bytes) {
    return new HmacKey(bytes);
  }

  /** The key in base64; anything else is an error saying how to make one. */
  public static HmacKey fromBase64(String base64) {
    try {
      return new HmacKey(Base64.getDecoder().decode(base64.trim()));
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("an HMAC key")) {
        throw e;
      }
      throw new IllegalArgumentException(
          CONFIG_PATH + " is not valid base64 (" + e.getMessage()
              + "); generate a key with: head -c 32 /dev/urandom | base64", e);
    }
  }

  /** The key at {@value #CONFIG_PATH}; a missing or empty key is an error saying how to set one. */
  public static HmacKey fromConfig(Config config) {
    if (!config.hasPath(CONFIG_PATH) || config.getString(CONFIG_PATH).isBlank()) {
      throw new IllegalArgumentException(
          CONFIG_PATH + " is not set: an authenticated link needs a shared secret. Set it in"
              + " application.conf or with -D" + CONFIG_PATH + "=<base64 of at least 16 bytes>"
              + " (make one with: head -c 32 /dev/urandom | base64)");
    }
    try {
      return fromBase64(config.getString(CONFIG_PATH));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage().startsWith(CONFIG_PATH) ? e.getMessage() : CONFIG_PATH + ": " + e.getMessage(),
          e);
    }
  }

  byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HmacKey k && Arrays.equals(bytes, k.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "HmacKey(" + bytes.length + " bytes)";
  }
}

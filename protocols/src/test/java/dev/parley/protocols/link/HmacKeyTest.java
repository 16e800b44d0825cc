package dev.parley.protocols.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class HmacKeyTest {

  private static final String HOW_TO_MAKE_ONE = "head -c 32 /dev/urandom | base64";

  @Test
  void aMissingKeyNamesTheSettingAndHowToMakeOne() {
    assertThatThrownBy(() -> HmacKey.fromConfig(ConfigFactory.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parley.link.hmac-key")
        .hasMessageContaining(HOW_TO_MAKE_ONE);
  }

  @Test
  void theEmptyDefaultOfReferenceConfIsAMissingKey() {
    assertThatThrownBy(() -> HmacKey.fromConfig(ConfigFactory.load()))
        .hasMessageContaining("parley.link.hmac-key is not set")
        .hasMessageContaining(HOW_TO_MAKE_ONE);
  }

  @Test
  void aKeyShorterThanSixteenBytesIsRejected() {
    String eightBytes = Base64.getEncoder().encodeToString(new byte[8]);
    assertThatThrownBy(() -> HmacKey.fromBase64(eightBytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 16 bytes, got 8")
        .hasMessageContaining(HOW_TO_MAKE_ONE);
  }

  @Test
  void badBase64IsRejectedNamingTheSettingAndHowToMakeAKey() {
    assertThatThrownBy(() -> HmacKey.fromBase64("this is %% not base64"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parley.link.hmac-key is not valid base64")
        .hasMessageContaining(HOW_TO_MAKE_ONE);
  }

  @Test
  void aConfiguredKeyIsReadFromBase64() {
    byte[] bytes = new byte[32];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 7);
    }
    String base64 = Base64.getEncoder().encodeToString(bytes);
    HmacKey key = HmacKey.fromConfig(ConfigFactory.parseString("parley.link.hmac-key = \"" + base64 + "\""));
    assertThat(key).isEqualTo(HmacKey.of(bytes));
    assertThat(key.bytes()).containsExactly(bytes);
  }

  @Test
  void theKeyIsCopiedAndNeverPrinted() {
    byte[] bytes = "0123456789abcdef0123".getBytes();
    HmacKey key = HmacKey.of(bytes);
    bytes[0] = 'X';
    assertThat(key.bytes()[0]).as("changing the caller's array does not change the key").isEqualTo((byte) '0');
    assertThat(key.toString()).isEqualTo("HmacKey(20 bytes)").doesNotContain("0123");
  }
}

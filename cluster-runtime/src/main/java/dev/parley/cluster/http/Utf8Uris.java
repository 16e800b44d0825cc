package dev.parley.cluster.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks that a request URI, as the client sent it, percent-decodes to valid UTF-8. The HTTP parser
 * would replace invalid bytes with U+FFFD, so two different byte strings would become one key; the
 * node refuses them instead (a 400), so every key, name and value taken from a URI is exactly what
 * the client encoded.
 */
final class Utf8Uris {

  private Utf8Uris() {}

  /** Nothing if {@code raw} decodes to valid UTF-8; else an {@link IllegalArgumentException} saying where not. */
  static void requireValid(String raw) {
    if (raw.indexOf('%') < 0) {
      return; // nothing percent-encoded: the parser took the URI as it was sent
    }
    for (String part : raw.split("[/?&=]")) {
      if (part.indexOf('%') >= 0 && !valid(part)) {
        throw new IllegalArgumentException("the request URI has '" + (part.length() > 60 ? part.substring(0, 60) + "..."
            : part) + "', which is not UTF-8 once percent-decoded: keys, names and values in a URI are UTF-8 text,"
            + " each byte of a character's UTF-8 form written %XX");
      }
    }
  }

  private static boolean valid(String part) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(part.length());
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c == '%') {
        if (i + 2 >= part.length()) {
          return false;
        }
        int hi = Character.digit(part.charAt(i + 1), 16);
        int lo = Character.digit(part.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return false;
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}

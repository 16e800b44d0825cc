package dev.parley.cluster.http;

import akka.serialization.jackson.AkkaSerializationDeserializer;
import akka.serialization.jackson.AkkaSerializationSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON people read and write over HTTP. Wire messages carry their nested payloads through Akka
 * serialization ({@code @Payload}); here a payload is written as itself, times and durations as ISO
 * text.
 */
public final class Json {

  private Json() {}

  public static ObjectMapper mapper() {
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .setAnnotationIntrospector(new PayloadsAsThemselves())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  }

  /** Ignores the Akka-serialization (de)serializers that {@code @Payload} puts on a field. */
  private static final class PayloadsAsThemselves extends JacksonAnnotationIntrospector {
    @Override
    public Object findSerializer(Annotated a) {
      Object s = super.findSerializer(a);
      return s == AkkaSerializationSerializer.class ? null : s;
    }

    @Override
    public Object findDeserializer(Annotated a) {
      Object d = super.findDeserializer(a);
      return d == AkkaSerializationDeserializer.class ? null : d;
    }
  }
}

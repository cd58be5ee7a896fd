package io.marginflow.common.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The shared Jackson set-up of the JSON formats of this package: explicit snake_case keys on the
 * records, pretty-printed UTF-8 with LF line ends, ISO-8601 instants, unknown keys ignored (forward
 * compatible within one schema), missing or null required keys rejected, and a {@code schema}
 * integer checked before binding.
 */
final class FormatJson {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .addModule(
              new SimpleModule("marginflow-instant")
                  .addSerializer(Instant.class, ToStringSerializer.instance)
                  .addDeserializer(Instant.class, new InstantDeserializer()))
          .build();

  private static final ObjectWriter WRITER =
      MAPPER.writer(
          new DefaultPrettyPrinter()
              .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n")));

  private FormatJson() {}

  /** Pretty-printed UTF-8 JSON of {@code value}, ending with a newline. */
  static byte[] write(Object value) {
    try {
      String s = WRITER.writeValueAsString(value) + "\n";
      return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }

  /**
   * Parses {@code json}, checks that its {@code schema} equals {@code supported}, and binds it to
   * {@code type}; every failure becomes a {@link FormatException} naming {@code source}.
   */
  static <T> T read(byte[] json, Class<T> type, int supported, String what, String source)
      throws FormatException {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new FormatException(source + ": " + what + " is not valid JSON: " + brief(e), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new FormatException(source + ": " + what + " must be a JSON object");
    }
    JsonNode schema = tree.get("schema");
    if (schema == null || !schema.canConvertToInt() || !schema.isIntegralNumber()) {
      throw new FormatException(
          source + ": " + what + " has no integer 'schema' field (supported: " + supported + ")");
    }
    if (schema.intValue() != supported) {
      throw new FormatException(
          source
              + ": unsupported "
              + what
              + " schema "
              + schema.intValue()
              + " (supported: "
              + supported
              + ")");
    }
    try {
      return MAPPER.treeToValue(tree, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new FormatException(source + ": invalid " + what + ": " + brief(e), e);
    }
  }

  private static String brief(Exception e) {
    if (e instanceof ValueInstantiationException && e.getCause() != null) {
      return e.getCause().getMessage();
    }
    if (e instanceof JsonProcessingException j) {
      return j.getOriginalMessage();
    }
    return e.getMessage();
  }

  /** ISO-8601 instants, e.g. {@code 2026-01-02T03:04:05Z} (an offset is accepted on read). */
  private static final class InstantDeserializer extends StdScalarDeserializer<Instant> {
    private static final long serialVersionUID = 1L;

    InstantDeserializer() {
      super(Instant.class);
    }

    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = p.getValueAsString();
      if (text == null) {
        return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
      }
      try {
        return Instant.parse(text.trim());
      } catch (DateTimeParseException e) {
        return (Instant)
            ctxt.handleWeirdStringValue(Instant.class, text, "expected an ISO-8601 instant");
      }
    }
  }
}

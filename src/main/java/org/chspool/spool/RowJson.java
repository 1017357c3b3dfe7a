package org.chspool.spool;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;

/**
 * Validates one row and turns it into the compact JSON bytes the spool stores (and later sends to
 * ClickHouse unchanged). One streaming pass: tokens are copied from the parser to a generator, numbers
 * by their original text (so {@code 1.10} or a 30-digit integer are kept exactly, never rounded through
 * a double). Thread-safe: the factory is shared, parsers and generators are per call.
 */
public final class RowJson {
    /**
     * Shared factory with Jackson's default read constraints (nesting depth, number and string length),
     * which bound what hostile input can cost. Source content is kept out of error locations so a
     * rejected row's bytes never end up in an error message.
     */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private final int maxRowBytes;

    public RowJson(int maxRowBytes) {
        this.maxRowBytes = maxRowBytes;
    }

    public int maxRowBytes() {
        return maxRowBytes;
    }

    /**
     * Copies the object the parser is positioned on ({@code START_OBJECT} as current token) and leaves
     * the parser on its {@code END_OBJECT}.
     *
     * @throws Rejection {@code bad_request} when the current value is not an object, {@code too_large}
     *                   when the compact row is over the limit
     * @throws JsonProcessingException when the JSON itself is malformed (the caller maps it to bad_json)
     */
    public byte[] compactObject(JsonParser p) throws Rejection, IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_OBJECT) {
            throw new Rejection(RejectReason.BAD_REQUEST, "row must be a JSON object, got " + describe(t));
        }
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            copyStructure(p, g, out);
        }
        if (out.size() > maxRowBytes) {
            throw new Rejection(RejectReason.TOO_LARGE, "row is " + out.size() + " bytes; the limit is " + maxRowBytes);
        }
        return out.toByteArray();
    }

    /** Validates and compacts a row given as a whole JSON text (one object, nothing after it). */
    public byte[] compactObject(byte[] json) throws Rejection, IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            p.nextToken();
            byte[] row = compactObject(p);
            if (p.nextToken() != null) {
                throw new Rejection(RejectReason.BAD_REQUEST, "unexpected content after the row object");
            }
            return row;
        }
    }

    private void copyStructure(JsonParser p, JsonGenerator g, ByteArrayBuilder out) throws IOException, Rejection {
        int depth = 0;
        JsonToken t = p.currentToken();
        while (true) {
            switch (t) {
                case START_OBJECT -> { g.writeStartObject(); depth++; }
                case END_OBJECT -> { g.writeEndObject(); depth--; }
                case START_ARRAY -> { g.writeStartArray(); depth++; }
                case END_ARRAY -> { g.writeEndArray(); depth--; }
                case FIELD_NAME -> g.writeFieldName(p.currentName());
                case VALUE_STRING -> g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText());
                case VALUE_TRUE -> g.writeBoolean(true);
                case VALUE_FALSE -> g.writeBoolean(false);
                case VALUE_NULL -> g.writeNull();
                default -> throw new Rejection(RejectReason.BAD_REQUEST, "unsupported JSON token " + t);
            }
            if (depth == 0) {
                return;
            }
            if (out.size() > maxRowBytes) {
                throw new Rejection(RejectReason.TOO_LARGE, "row is over the limit of " + maxRowBytes + " bytes");
            }
            t = p.nextToken();
            if (t == null) {
                throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected end of input inside the row");
            }
        }
    }

    static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }
}

package io.eventrouter.core.event;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.core.json.UTF8StreamJsonParser;

/**
 * The positions and values of the top-level fields that the router reads or changes in one
 * event's JSON, found by a single pass of a streaming parser. An event that carries them
 * returns those fields without building a tree, and sets a string or an integer among them by
 * splicing its bytes. So an upload's events reach the spool as the client wrote them, with only
 * {@code ip}, {@code time} or {@code insert_id} changed.
 *
 * <p>Only the fields in {@link #INDEXED} are located; any other field is skipped and kept as
 * written. An instance is immutable.
 */
public final class TopLevelFields {

    /** The fields located: the ones the router validates, reads or sets. */
    private static final EventField[] INDEXED = { EventField.EVENT_TYPE, EventField.USER_ID, EventField.DEVICE_ID,
            EventField.INSERT_ID, EventField.TIME, EventField.SESSION_ID, EventField.EVENT_ID, EventField.IP,
            EventField.QUANTITY, EventField.EVENT_PROPERTIES, EventField.USER_PROPERTIES, EventField.GROUPS,
            EventField.GROUP_PROPERTIES };

    private static final Map<String, Integer> SLOT_BY_NAME = new HashMap<>();

    private static final int[] SLOT_BY_FIELD = new int[EventField.values().length];

    private static final BigDecimal MIN_LONG = BigDecimal.valueOf(Long.MIN_VALUE);

    private static final BigDecimal MAX_LONG = BigDecimal.valueOf(Long.MAX_VALUE);

    static {
        Arrays.fill(SLOT_BY_FIELD, -1);
        for (int slot = 0; slot < INDEXED.length; slot++) {
            SLOT_BY_NAME.put(INDEXED[slot].jsonName(), slot);
            SLOT_BY_FIELD[INDEXED[slot].ordinal()] = slot;
        }
    }

    /** Each field's value token, or null when the field is missing. */
    private final @Nullable JsonToken[] tokens;

    /** Each value's first byte in the event's JSON. */
    private final int[] starts;

    /** The byte after each value. */
    private final int[] ends;

    /** Each value as a {@code String}, or as a {@code Long} when it is a whole number that fits, or null. */
    private final @Nullable Object[] values;

    /** The number of top-level members, all fields counted. */
    private final int members;

    /** Whether the offsets can be used to splice the object's bytes; see {@link #isSpliceable()}. */
    private final boolean spliceable;

    /** The offset of the event's opening brace in the bytes it was scanned from. */
    private final int objectStart;

    /** The offset after the event's closing brace in the bytes it was scanned from. */
    private final int objectEnd;

    private TopLevelFields(@Nullable JsonToken[] tokens, int[] starts, int[] ends, @Nullable Object[] values,
            int members, boolean spliceable, int objectStart, int objectEnd) {
        this.tokens = tokens;
        this.starts = starts;
        this.ends = ends;
        this.values = values;
        this.members = members;
        this.spliceable = spliceable;
        this.objectStart = objectStart;
        this.objectEnd = objectEnd;
    }

    /**
     * Tells whether {@code parser} reads UTF-8 from a byte array, the only input whose byte
     * offsets {@link #scan} can use, and {@code source} is valid UTF-8. The parser skips the
     * strings it is not asked for without decoding them, so without the check an overlong form or
     * an encoded surrogate would reach the destinations as it came.
     */
    public static boolean canScan(JsonParser parser, byte[] source) {
        return parser instanceof UTF8StreamJsonParser && Utf8.isValid(source);
    }

    /**
     * Reads one JSON object, from the {@code START_OBJECT} the parser is at to its matching
     * {@code END_OBJECT}, and locates the indexed fields in {@code source}, the bytes the parser
     * reads from offset 0.
     *
     * @throws JacksonException when the JSON is malformed
     */
    public static TopLevelFields scan(JsonParser parser, byte[] source) {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw new IllegalStateException("The parser is not at the start of an object but at " + parser.currentToken());
        }
        JsonToken[] tokens = new JsonToken[INDEXED.length];
        int[] starts = new int[INDEXED.length];
        int[] ends = new int[INDEXED.length];
        Object[] values = new Object[INDEXED.length];

        int objectStart = offset(parser);
        int members = 0;
        boolean duplicated = false;
        int pending = -1;
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
            if (pending >= 0) {
                ends[pending] = valueEnd(source, offset(parser));
                pending = -1;
            }
            members++;
            Integer slot = SLOT_BY_NAME.get(parser.currentName());
            JsonToken value = parser.nextToken();
            if (slot == null) {
                parser.skipChildren();
                continue;
            }
            duplicated |= tokens[slot] != null;
            tokens[slot] = value;
            starts[slot] = offset(parser);
            values[slot] = valueOf(parser, value);
            parser.skipChildren();
            pending = slot;
        }

        if (token != JsonToken.END_OBJECT) {
            throw new IllegalStateException("An object ended with " + token);
        }
        int closingBrace = offset(parser);
        if (pending >= 0) {
            ends[pending] = valueEnd(source, closingBrace);
        }
        int objectEnd = closingBrace + 1;
        boolean spliceable = !duplicated && offsetsMatch(source, tokens, starts, ends, objectStart, objectEnd);
        return new TopLevelFields(tokens, starts, ends, values, members, spliceable, objectStart, objectEnd);
    }

    private static int offset(JsonParser parser) {
        return Math.toIntExact(parser.currentTokenLocation().getByteOffset());
    }

    private static @Nullable Object valueOf(JsonParser parser, @Nullable JsonToken token) {
        if (token == JsonToken.VALUE_STRING) {
            return parser.getString();
        }
        if (token == JsonToken.VALUE_NUMBER_INT) {
            return (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) ? null : parser.getLongValue();
        }
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            BigDecimal value = parser.getDecimalValue();
            return isWhole(value) ? value.longValue() : null;
        }
        return null;
    }

    private static boolean isWhole(BigDecimal value) {
        if (value.compareTo(MIN_LONG) < 0 || value.compareTo(MAX_LONG) > 0) {
            return false;
        }
        return value.signum() == 0 || value.scale() <= 0 || value.stripTrailingZeros().scale() <= 0;
    }

    /**
     * Returns the offset after a value, given the offset of the token that follows it: only
     * whitespace and one comma can lie between them.
     */
    private static int valueEnd(byte[] source, int next) {
        int end = skipWhitespaceBackwards(source, next);
        if (end > 0 && source[end - 1] == ',') {
            end = skipWhitespaceBackwards(source, end - 1);
        }
        return end;
    }

    private static int skipWhitespaceBackwards(byte[] source, int end) {
        while (end > 0 && isWhitespace(source[end - 1])) {
            end--;
        }
        return end;
    }

    private static boolean isWhitespace(byte value) {
        return value == ' ' || value == '\n' || value == '\r' || value == '\t';
    }

    /** Tells whether {@code field} is one whose value this class locates. */
    public static boolean isIndexed(EventField field) {
        return SLOT_BY_FIELD[field.ordinal()] >= 0;
    }

    /**
     * Tells whether the offsets can be trusted for splicing. Every located value must start and
     * end with bytes its token can start and end with, and the object must be braced. No located
     * field may appear twice, because a splice would change one occurrence and leave the other.
     * The scan checks this once.
     */
    public boolean isSpliceable() {
        return this.spliceable;
    }

    /** Tells whether each located value, and the object itself, starts and ends as its token does. */
    private static boolean offsetsMatch(byte[] source, @Nullable JsonToken[] tokens, int[] starts, int[] ends,
            int objectStart, int objectEnd) {
        if (objectStart < 0 || objectEnd > source.length || source[objectStart] != '{' || source[objectEnd - 1] != '}') {
            return false;
        }
        for (int slot = 0; slot < INDEXED.length; slot++) {
            JsonToken token = tokens[slot];
            if (token != null && !startsLike(token, source[starts[slot]], source[ends[slot] - 1])) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsLike(JsonToken token, byte first, byte last) {
        return switch (token) {
            case VALUE_STRING -> first == '"' && last == '"';
            case START_OBJECT -> first == '{' && last == '}';
            case START_ARRAY -> first == '[' && last == ']';
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> (first == '-' || (first >= '0' && first <= '9'))
                    && last >= '0' && last <= '9';
            case VALUE_NULL -> first == 'n' && last == 'l';
            case VALUE_TRUE -> first == 't' && last == 'e';
            case VALUE_FALSE -> first == 'f' && last == 'e';
            default -> false;
        };
    }

    /** Returns the offset of the opening brace in the bytes the object was scanned from. */
    public int objectStart() {
        return this.objectStart;
    }

    /** Returns the offset after the closing brace in the bytes the object was scanned from. */
    public int objectEnd() {
        return this.objectEnd;
    }

    /** Returns the token of the field's value, or null when the field is missing. */
    public @Nullable JsonToken token(EventField field) {
        return this.tokens[slot(field)];
    }

    /** Returns the field's value when it is a string, or null. */
    public @Nullable String string(EventField field) {
        return (this.values[slot(field)] instanceof String value) ? value : null;
    }

    /** Tells whether the field's value is a whole number that fits in a {@code long}, written either way. */
    public boolean isWhole(EventField field) {
        return this.values[slot(field)] instanceof Long;
    }

    /** Returns the field's value as a {@code long}, which exists only when {@link #isWhole} is true. */
    public long longValue(EventField field) {
        return (Long) this.values[slot(field)];
    }

    private static int slot(EventField field) {
        int slot = SLOT_BY_FIELD[field.ordinal()];
        if (slot < 0) {
            throw new IllegalArgumentException(field + " is not located by " + TopLevelFields.class.getSimpleName());
        }
        return slot;
    }

    /** An event's JSON with one field set, and the fields located in it. */
    record Spliced(byte[] json, TopLevelFields fields) {
    }

    /**
     * Sets a string field in {@code source}, the bytes these fields were located in, and returns
     * the object alone, from its opening to its closing brace.
     */
    Spliced with(byte[] source, EventField field, String value) {
        byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(value);
        byte[] encoded = new byte[quoted.length + 2];
        encoded[0] = '"';
        System.arraycopy(quoted, 0, encoded, 1, quoted.length);
        encoded[encoded.length - 1] = '"';
        return with(source, field, encoded, JsonToken.VALUE_STRING, value);
    }

    /** Sets an integer field in {@code source}, as {@link #with(byte[], EventField, String)} does. */
    Spliced with(byte[] source, EventField field, long value) {
        return with(source, field, Long.toString(value).getBytes(StandardCharsets.US_ASCII), JsonToken.VALUE_NUMBER_INT,
                value);
    }

    private Spliced with(byte[] source, EventField field, byte[] encoded, JsonToken token, Object value) {
        int slot = slot(field);
        JsonToken[] tokens = this.tokens.clone();
        int[] starts = this.starts.clone();
        int[] ends = this.ends.clone();
        Object[] values = this.values.clone();
        tokens[slot] = token;
        values[slot] = value;
        // The copy contains the object alone, so every offset moves back by the object's start.
        int shift = -this.objectStart;
        int length = this.objectEnd - this.objectStart;
        byte[] spliced;
        int members = this.members;
        if (this.tokens[slot] != null) {
            int start = this.starts[slot];
            int end = this.ends[slot];
            spliced = new byte[length - (end - start) + encoded.length];
            System.arraycopy(source, this.objectStart, spliced, 0, start - this.objectStart);
            System.arraycopy(encoded, 0, spliced, start - this.objectStart, encoded.length);
            System.arraycopy(source, end, spliced, start - this.objectStart + encoded.length, this.objectEnd - end);
            int growth = encoded.length - (end - start);
            for (int other = 0; other < INDEXED.length; other++) {
                if (other != slot && tokens[other] != null) {
                    int move = (starts[other] >= end) ? shift + growth : shift;
                    starts[other] += move;
                    ends[other] += move;
                }
            }
            starts[slot] = start + shift;
            ends[slot] = starts[slot] + encoded.length;
        }
        else {
            // A new field goes before the closing brace, where a tree would append it too.
            byte[] name = ((members > 0 ? ",\"" : "\"") + field.jsonName() + "\":")
                    .getBytes(StandardCharsets.US_ASCII);
            int brace = length - 1;
            spliced = new byte[length + name.length + encoded.length];
            System.arraycopy(source, this.objectStart, spliced, 0, brace);
            System.arraycopy(name, 0, spliced, brace, name.length);
            System.arraycopy(encoded, 0, spliced, brace + name.length, encoded.length);
            spliced[spliced.length - 1] = '}';
            for (int other = 0; other < INDEXED.length; other++) {
                if (other != slot && tokens[other] != null) {
                    starts[other] += shift;
                    ends[other] += shift;
                }
            }
            starts[slot] = brace + name.length;
            ends[slot] = starts[slot] + encoded.length;
            members++;
        }
        return new Spliced(spliced, new TopLevelFields(tokens, starts, ends, values, members, true, 0,
                spliced.length));
    }

}

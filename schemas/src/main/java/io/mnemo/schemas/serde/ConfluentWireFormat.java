package io.mnemo.schemas.serde;

import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * The Confluent wire format's framing, in one place for the serializer and every reader: a magic byte {@code 0},
 * the writer schema's registry id as a 4-byte big-endian int, then the Avro binary body.
 */
public final class ConfluentWireFormat {
    public static final byte MAGIC_BYTE = 0x0;
    public static final int HEADER_BYTES = 5;

    private ConfluentWireFormat() {
    }

    /** True when {@code data} has the framing and a body of at least one byte (a record's body is never empty). */
    public static boolean isFramed(byte[] data) {
        return data != null && data.length > HEADER_BYTES && data[0] == MAGIC_BYTE;
    }

    /** The writer schema id of a payload that starts with the framing ({@link #HEADER_BYTES} bytes at least). */
    public static int schemaId(byte[] data) {
        return ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
    }

    /** A decoder over the Avro body after the framing. */
    public static BinaryDecoder body(byte[] data) {
        return DecoderFactory.get().binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, null);
    }
}

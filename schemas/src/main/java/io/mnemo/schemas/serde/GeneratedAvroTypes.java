package io.mnemo.schemas.serde;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Conversion;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificFixed;
import org.apache.avro.specific.SpecificRecord;

/**
 * The Avro data model the deserializer reads with: it maps named types to the generated classes and applies
 * the generated classes' logical-type conversions (uuid → {@code UUID}, timestamp-micros → {@code Instant}).
 *
 * <p>Why not {@link SpecificData#get()}: since Avro 1.12 every class Avro loads by name must be trusted by
 * {@code org.apache.avro.util.ClassSecurityValidator}, and generated classes are not by default, so plain
 * {@code SpecificDatumReader}s fail with "Forbidden ... not trusted" unless every JVM sets
 * {@code org.apache.avro.SERIALIZABLE_PACKAGES}. The validator exists so a schema from outside cannot make
 * Avro instantiate arbitrary classes; this model keeps that guarantee by loading named types without
 * initialising them and accepting only generated Avro types (records, enums, fixed), nothing else.
 */
final class GeneratedAvroTypes extends SpecificData {
    private final Map<String, Optional<Class<?>>> classes = new ConcurrentHashMap<>();

    private GeneratedAvroTypes(ClassLoader loader) {
        super(loader);
    }

    /** A model for reading into {@code readerClass}, with the conversions its generated code was built with. */
    static GeneratedAvroTypes forReader(Class<? extends SpecificRecord> readerClass, ClassLoader loader) {
        GeneratedAvroTypes model = new GeneratedAvroTypes(loader);
        for (Conversion<?> conversion : SpecificData.getForClass(readerClass).getConversions()) {
            model.addLogicalTypeConversion(conversion);
        }
        return model;
    }

    /**
     * The generated class for a record schema's full name, or empty when there is none; a class of that name
     * that is not a generated record is treated as absent and is never initialised.
     */
    static Optional<Class<? extends SpecificRecord>> recordClass(Schema schema, ClassLoader loader) {
        return load(schema, loader).filter(SpecificRecord.class::isAssignableFrom)
                .map(c -> c.asSubclass(SpecificRecord.class));
    }

    @Override
    @SuppressWarnings("rawtypes") // the overridden signature is raw
    public Class getClass(Schema schema) {
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> classes.computeIfAbsent(schema.getFullName(),
                    name -> load(schema, getClassLoader())).orElse(null);
            default -> super.getClass(schema);
        };
    }

    private static Optional<Class<?>> load(Schema schema, ClassLoader loader) {
        Class<?> c;
        try {
            // initialize=false: no static initialiser runs before we know it is a generated type
            c = Class.forName(getClassName(schema), false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
        }
        boolean generated = switch (schema.getType()) {
            case RECORD -> SpecificRecord.class.isAssignableFrom(c);
            case ENUM -> c.isEnum();
            case FIXED -> SpecificFixed.class.isAssignableFrom(c);
            default -> false;
        };
        return generated ? Optional.of(c) : Optional.empty();
    }
}

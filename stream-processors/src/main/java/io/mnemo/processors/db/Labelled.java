package io.mnemo.processors.db;

import java.lang.reflect.Type;
import java.sql.Types;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.argument.ArgumentFactory;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.generic.GenericTypes;
import org.jdbi.v3.core.mapper.ColumnMapper;
import org.jdbi.v3.core.mapper.ColumnMapperFactory;

/**
 * An enum kept in a text column as a stable label (what operators and analysts read, and what a CHECK constraint
 * lists) rather than its Java name. A DAO that registers {@link Arguments} and {@link Columns} binds such enums
 * as their labels and reads labels back as the enum; an unknown label fails the read.
 */
public interface Labelled {
    String label();

    /** The constant of {@code type} whose label is {@code label}. */
    static <E extends Enum<E>> E ofLabel(Class<E> type, String label) {
        for (E constant : type.getEnumConstants()) {
            if (((Labelled) constant).label().equals(label)) {
                return constant;
            }
        }
        throw new IllegalArgumentException("no " + type.getSimpleName() + " is labelled '" + label + "'");
    }

    /** Binds a {@link Labelled} enum (null included) as its label. */
    final class Arguments implements ArgumentFactory.Preparable {
        private static final Argument NULL = (position, statement, context) -> statement.setNull(position,
                Types.VARCHAR);

        @Override
        public Optional<Function<Object, Argument>> prepare(Type type, ConfigRegistry config) {
            if (!isLabelledEnum(type)) {
                return Optional.empty();
            }
            return Optional.of(value -> value == null ? NULL
                    : (position, statement, context) -> statement.setString(position, ((Labelled) value).label()));
        }
    }

    /** Reads a label (null included) back as its {@link Labelled} enum. */
    final class Columns implements ColumnMapperFactory {
        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Optional<ColumnMapper<?>> build(Type type, ConfigRegistry config) {
            if (!isLabelledEnum(type)) {
                return Optional.empty();
            }
            Class enumType = GenericTypes.getErasedType(type);
            return Optional.of((rs, column, context) -> {
                String label = rs.getString(column);
                return label == null ? null : ofLabel(enumType, label);
            });
        }
    }

    private static boolean isLabelledEnum(Type type) {
        Class<?> erased = GenericTypes.getErasedType(type);
        return erased.isEnum() && Labelled.class.isAssignableFrom(erased);
    }
}

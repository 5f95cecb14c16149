package io.mnemo.processors.db;

import java.sql.Array;
import java.util.UUID;
import org.jdbi.v3.core.argument.Argument;

/**
 * Array parameters sent in PostgreSQL's binary array format, for the sinks' one-statement batches ({@code unnest}).
 *
 * <p>Why not Jdbi's {@code bindArray}: it copies the elements into an {@code Object[]}, for which pgjdbc knows no
 * binary encoder, so every batch went out as an array <em>literal</em> built character by character
 * ({@code PgArray.escapeArrayElement} over each content: 13-18 % of the sink threads' CPU in the profile of
 * docs/performance.md), and Postgres parsed that literal back. Given the typed array ({@code String[]},
 * {@code Long[]}, …), pgjdbc writes each element's bytes with its length, and Postgres reads them without parsing.
 * UUIDs travel as text (pgjdbc has no binary UUID array encoder): the statement casts them to {@code uuid[]}.
 */
final class BinaryArrays {
    private BinaryArrays() {
    }

    /** A {@code text[]} (nulls allowed); the statement may cast it to timestamptz[], jsonb[] or uuid[]. */
    static Argument text(String[] values) {
        return typed("text", values);
    }

    /** A {@code text[]} of the ids; cast to {@code uuid[]} by the statement. */
    static Argument uuidsAsText(UUID[] values) {
        String[] text = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            text[i] = values[i] == null ? null : values[i].toString();
        }
        return text(text);
    }

    static Argument int8(Long[] values) {
        return typed("int8", values);
    }

    static Argument int4(Integer[] values) {
        return typed("int4", values);
    }

    static Argument bool(Boolean[] values) {
        return typed("bool", values);
    }

    private static Argument typed(String elementType, Object[] values) {
        return (position, statement, context) -> {
            Array array = statement.getConnection().createArrayOf(elementType, values);
            context.addCleanable(array::free);
            statement.setArray(position, array);
        };
    }
}

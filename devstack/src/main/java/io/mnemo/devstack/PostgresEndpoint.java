package io.mnemo.devstack;

/**
 * How to reach one PostgreSQL server of the devstack (the primary or a replica) and its {@code mnemo} database.
 *
 * @param host     always {@code 127.0.0.1}
 * @param port     the server's port
 * @param database the application database, {@code mnemo}
 * @param user     the superuser, {@code postgres}
 * @param password a placeholder: loopback connections use trust authentication, any password is accepted
 */
public record PostgresEndpoint(String host, int port, String database, String user, String password) {

    /** JDBC URL of the database, e.g. {@code jdbc:postgresql://127.0.0.1:5432/mnemo}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }
}

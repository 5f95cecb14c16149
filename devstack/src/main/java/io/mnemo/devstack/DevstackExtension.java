package io.mnemo.devstack;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension sharing one ephemeral {@link Devstack} per test JVM: started on first use, closed when the test
 * run ends, and injected into {@code Devstack} parameters of test methods, constructors and lifecycle methods.
 */
public final class DevstackExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DevstackExtension.class);

    private static Devstack devstack;

    /**
     * The shared stack, started now if needed. Usable outside the extension too (e.g. to configure an application
     * extension in a static field); then only the JVM shutdown hook closes it.
     */
    public static synchronized Devstack devstack() {
        if (devstack == null) {
            try {
                devstack = Devstack.start(DevstackOptions.ephemeral());
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the devstack", e);
            }
        }
        return devstack;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Devstack stack = devstack();
        // the root store is closed once, after the last test of the run: the stack outlives every test class
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(StackCloser.class, key -> new StackCloser(stack),
                StackCloser.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == Devstack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        return devstack();
    }

    private static synchronized void closeShared(Devstack stack) {
        stack.close();
        if (devstack == stack) {
            devstack = null;
        }
    }

    /** Closes the shared stack when JUnit closes the root store. */
    private record StackCloser(Devstack stack) implements AutoCloseable {
        @Override
        public void close() {
            closeShared(stack);
        }
    }
}

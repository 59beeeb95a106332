package io.muster.worker.action;

import java.util.List;
import java.util.Map;

/**
 * A worker-side backend of operation actions ({@code apt install package=nginx}). Implementations must not throw:
 * invalid parameters, failed commands and interruptions all end in a {@link ActionResult} with
 * {@link ActionResult.Status#FAILED} and a message that names the problem (an exception that escapes anyway is
 * turned into a failed result by {@link ActionBackends#invoke}).
 *
 * <p>Backends are found through {@link java.util.ServiceLoader} as well as built in; see the package documentation.
 */
public interface ActionBackend {

    /** The name operation steps use ({@code apt}); lower case, unique on a worker. */
    String name();

    /** The actions this backend offers, in the order they are advertised. */
    List<String> actions();

    /**
     * Whether actions change the system. Such a backend runs only when the worker configuration enables it
     * ({@code backends: [name]}); backends that only read run everywhere.
     */
    boolean changesSystem();

    /**
     * Runs one action to its end (or to the context's deadline, or until the calling thread is interrupted).
     *
     * @param action one of {@link #actions()}
     * @param params the step's parameters, never null
     */
    ActionResult run(String action, Map<String, String> params, ActionContext ctx);
}

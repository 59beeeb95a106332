/**
 * The {@code muster} command line: {@link io.muster.cli.Main} and the picocli command tree rooted at
 * {@link io.muster.cli.MusterCommand}. Client commands ({@code node}, {@code job}, {@code cluster}, {@code acl},
 * {@code raft}, {@code system}) call the REST API through {@link io.muster.client.MusterClient} and print its records
 * (tables, or the server's JSON with {@code -o json}); daemon commands ({@code dev}, {@code server}, {@code worker})
 * start {@code io.muster.server.MusterServer} and {@code io.muster.worker.WorkerDaemon} directly.
 *
 * <p>May import every other module: this is the composition root of the binary. Subcommands from other packages
 * ({@code install}, {@code loadtest}) are registered by {@link io.muster.cli.Subcommands}, never looked up by name.
 */
package io.muster.cli;

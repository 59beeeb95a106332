package io.muster.cli;

import picocli.CommandLine.Command;

/** {@code muster alloc ...}: one allocation. Each subcommand is its own class. */
@Command(name = "alloc", description = "Inspect allocations (one group of a job on one node).", subcommands = AllocStatusCommand.class)
final class AllocCommand {
}

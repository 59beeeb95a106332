/**
 * {@code muster server|worker install|uninstall}: writes (or removes) the config, token and systemd unit of a server
 * or worker under a root directory ({@link io.muster.cli.install.FileTree}: idempotent, atomic, never more permissive
 * than the final mode) and drives the host's service manager ({@link io.muster.cli.install.Systemd}).
 *
 * <p>May import: {@code io.muster.types} (to check the configs it writes), {@code io.muster.pki} (to check the join
 * token and the cluster secret it installs) and picocli. Not the server or worker runtime: installing starts nothing
 * in this process.
 */
package io.muster.cli.install;

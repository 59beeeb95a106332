/**
 * {@code muster worker --discover}: listens for the servers' LAN announcements and turns those of the join token's
 * cluster into a server list. An announcement is only a hint of where to dial; registration still trusts a server
 * only through the token's CA pin.
 */
package io.muster.worker.discovery;

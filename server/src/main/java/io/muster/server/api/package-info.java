/**
 * The REST API and dashboard (Vert.x Web): the ACL guard and access table, request bodies, one class per endpoint
 * group. Reads one snapshot per request; writes through the proposer.
 */
package io.muster.server.api;

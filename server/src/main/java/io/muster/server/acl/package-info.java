/** ACL policies and the permissions each endpoint needs; pure data, no I/O. */
package io.muster.server.acl;

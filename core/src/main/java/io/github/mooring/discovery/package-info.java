/**
 * Discovery: which addresses the Redis Service has right now, as reported by an endpoint source
 * (Kubernetes API, cluster DNS or a static list).
 */
package io.github.mooring.discovery;

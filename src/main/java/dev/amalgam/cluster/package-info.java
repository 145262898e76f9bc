/**
 * Scale-out of a search on an embedded Hazelcast cluster: {@code amalgam worker} members score candidates
 * ({@link dev.amalgam.cluster.Worker}), the search's process sends them work ({@link dev.amalgam.cluster.ClusterEvaluator})
 * and alone writes the journal. Every run spec, task and result carries an HMAC-SHA256 over its content with the
 * cluster secret ({@link dev.amalgam.cluster.ClusterSecret}); what that does and does not protect is in the README.
 *
 * <p>May depend on: evolve.run (the same scoring code as a local search) and everything below it. Only cli and bench
 * depend on it.
 */
package dev.amalgam.cluster;

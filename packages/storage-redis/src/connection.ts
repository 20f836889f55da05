import { Cluster, Redis, type RedisOptions } from "ioredis";

/** A Redis node's address. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Credentials and TLS for the data nodes (and the sentinels, which usually share them). */
export interface RedisAuth {
  username?: string;
  password?: string;
  /** Connect with TLS (as a `rediss://` URL does). */
  tls?: boolean;
}

/** Where Redis is: exactly one server, a master found through Sentinel, or a Cluster. */
export type RedisTopology =
  | { url: string; password?: string }
  | ({ sentinels: readonly RedisNode[]; master: string } & RedisAuth)
  | ({ clusterNodes: readonly RedisNode[] } & RedisAuth);

/** The client of every topology: one connection, or a cluster of them; both define scripts and pipelines. */
export type RedisClient = Redis | Cluster;

/**
 * A client that never queues a command while it cannot send it and never sends one twice: a
 * command that could not be sent fails at once; one sent and unanswered fails after `timeoutMs`.
 */
export function connect(topology: RedisTopology, timeoutMs: number): RedisClient {
  const common: RedisOptions = {
    // No queue while disconnected: a command that fails must not run later, behind the answer.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 500),
    lazyConnect: false,
  };
  // A password in the URL wins over `password` (ioredis's order).
  if ("url" in topology) {
    return new Redis(topology.url, {
      ...common,
      ...(topology.password !== undefined && { password: topology.password }),
    });
  }
  const auth: RedisOptions = {
    ...(topology.username !== undefined && { username: topology.username }),
    ...(topology.password !== undefined && { password: topology.password }),
    ...(topology.tls === true && { tls: {} }),
  };
  if ("sentinels" in topology) {
    return new Redis({
      ...common,
      ...auth,
      sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
      name: topology.master,
      ...(topology.username !== undefined && { sentinelUsername: topology.username }),
      ...(topology.password !== undefined && { sentinelPassword: topology.password }),
      ...(topology.tls === true && { enableTLSForSentinelMode: true, sentinelTLS: {} }),
      sentinelCommandTimeout: timeoutMs,
      sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, 500),
      // Sentinels announce a new master at once (+switch-master): drop the old one without waiting
      // for it to fail, since a paused master that wakes up still believes it is the master.
      failoverDetector: true,
      // A demoted master answers READONLY: reconnect, through the sentinels, without resending.
      reconnectOnError: (error) => /^READONLY/.test(error.message),
    });
  }
  // ioredis connects to a node on its first command: that command waits for the connection (within
  // the timeout, a 504 past it); the cluster as a whole queues nothing while it is not ready.
  const { enableOfflineQueue: _queue, ...nodeOptions } = common;
  const cluster = new Cluster(
    topology.clusterNodes.map(({ host, port }) => ({ host, port })),
    {
      enableOfflineQueue: false,
      redisOptions: { ...nodeOptions, ...auth },
      clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 500),
      slotsRefreshTimeout: timeoutMs,
      // Retried only when Redis said it ran nothing (MOVED, ASK, TRYAGAIN, CLUSTERDOWN); never a
      // command whose connection closed while it was on the wire: it may have been applied.
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 4,
      ...(topology.tls === true && { dnsLookup: (address, callback) => callback(null, address) }),
    },
  );
  // A node that fails may have lost its slots to a replica: ask the cluster again (ioredis merges
  // the requests), rather than waiting for a MOVED that a dead node never sends.
  cluster.on("node error", () => cluster.refreshSlotsCache());
  return cluster;
}

import { createJsonLogger } from '../adapters/log-json/index.ts';
import { createPowertoolsLogger } from '../adapters/log-powertools/index.ts';
import { EmfMetrics } from '../adapters/metrics-emf/index.ts';
import { PrometheusMetrics } from '../adapters/metrics-prometheus/index.ts';
import type { DriftlessConfig } from '../config/types.ts';
import { resolveLogLevel, type Logger } from '../ports/logger.ts';

export interface LambdaObservability {
  log: Logger;
  metrics: EmfMetrics;
  /** Call at the end of each invocation: writes the EMF lines of what it counted. */
  flush(): void;
}

/**
 * The Lambda handlers' logger and metrics: Powertools Logger and CloudWatch EMF. Make one per
 * container (module scope), pass `metrics` to createRuntime, the service deps and
 * createConfiguredReporter, and flush in a `finally` of every invocation.
 */
export function lambdaObservability(config: DriftlessConfig, env: Record<string, string | undefined> = process.env): LambdaObservability {
  const metrics = new EmfMetrics();
  metrics.appsKnown(config.apps.map((a) => ({ app: a.name, repository: a.repository, cluster: a.cluster, namespace: a.namespace })));
  return { log: createPowertoolsLogger({ level: resolveLogLevel(config.server.logLevel, env) }), metrics, flush: () => metrics.flush() };
}

/** serve's: JSON lines on stderr and a Prometheus registry (startServer makes these itself when not given). */
export function serveObservability(config: DriftlessConfig, env: Record<string, string | undefined> = process.env): { log: Logger; metrics: PrometheusMetrics } {
  return { log: createJsonLogger({ level: resolveLogLevel(config.server.logLevel, env) }), metrics: new PrometheusMetrics() };
}

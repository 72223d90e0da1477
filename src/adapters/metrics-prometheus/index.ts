export { PrometheusMetrics, healthStatuses, syncStatuses } from './prometheus.ts';

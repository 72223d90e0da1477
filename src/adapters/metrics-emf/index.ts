export { EmfMetrics, emfMetrics, emfNamespace, type EmfMetricName, type EmfMetricsOptions } from './emf.ts';

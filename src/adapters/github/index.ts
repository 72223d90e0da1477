export { createGitHubSource, gitBlobSha, type GitHubSourceOptions } from './source.ts';
export { createOctokitProvider, expiryAwareTokenCache, type GitHubAuth, type GitHubClientOptions, type OctokitProvider, type OctokitOptions } from './client.ts';
export { createGitHubReporter, statusContext, type GitHubReporter, type GitHubReporterOptions } from './reporter.ts';
export { createThrottledWriter, type ThrottledWriter, type ThrottledWriterOptions, type WriteJob } from './writer.ts';
export { createMemoryContentCache, type MemoryContentCache } from './memory-cache.ts';
export { summarizeSync, truncateDescription } from './summary.ts';
export { createAppRoutedReporter } from './routed-reporter.ts';
export { createGitHubDriftIssues, composeIssueBody, detailsUrlFor, driftLabel, driftMarker, maxIssueBodyChars, type DriftIssueBody, type GitHubDriftIssuesOptions } from './drift-issues.ts';

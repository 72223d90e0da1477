import type { Reporter } from '../../ports/reporter.ts';

/**
 * One Reporter for every app: each app reports to its own repository's reporter (or nowhere when
 * `forApp` answers undefined, e.g. apps from a local git source). Reporters should share one
 * ThrottledWriter per GitHub identity, since GitHub's secondary limits count per identity.
 */
export function createAppRoutedReporter(forApp: (app: string) => Reporter | undefined): Reporter {
  return {
    async started(app, revision, syncId) {
      await forApp(app)?.started(app, revision, syncId);
    },
    async finished(result, syncId) {
      await forApp(result.app)?.finished(result, syncId);
    },
  };
}

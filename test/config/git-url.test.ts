import { describe, expect, it } from 'vitest';
import { GIT_REPOSITORY_CONTRACT, isGitUrl } from '../../src/config/git-url.ts';
import { configSchema } from '../../src/config/schema.ts';

describe('isGitUrl (git\'s own rule: a scheme, or a colon before any slash)', () => {
  it.each(['https://github.com/acme/gitops.git', 'ssh://git@github.com/acme/gitops.git', 'git://host/repo', 'file:///srv/gitops', 'git@github.com:acme/gitops.git', 'github.com:acme/gitops.git', 'host:repo'])('%s is a URL', (value) => {
    expect(isGitUrl(value)).toBe(true);
  });

  it.each(['./gitops', 'gitops', '../repos/gitops', '/srv/gitops', './a:b', '/srv/x:y', 'git@host'])('%s is a path', (value) => {
    expect(isGitUrl(value)).toBe(false);
  });

  it('is the contract the schema states for git:', () => {
    expect(configSchema.definitions.repository.properties.git.description).toBe(GIT_REPOSITORY_CONTRACT);
  });
});

import { describe, expect, it } from 'vitest';
import { commitUrl } from '../../../src/http/status/model.ts';
import { serviceConfig } from '../../support/service-fixtures.ts';

const sha = 'c'.repeat(40);

function withApiUrl(apiUrl?: string) {
  const config = serviceConfig([]);
  config.repositories.gitops = { name: 'gitops', github: { owner: 'acme', repo: 'gitops', ...(apiUrl ? { apiUrl } : {}) } } as (typeof config.repositories)[string];
  return config;
}

describe('commitUrl: the revision link of the status page', () => {
  it('points at the web host: github.com, also when apiUrl names the public API host; an Enterprise host without /api/v3', () => {
    expect(commitUrl(withApiUrl(), 'gitops', sha)).toBe(`https://github.com/acme/gitops/commit/${sha}`);
    expect(commitUrl(withApiUrl('https://api.github.com'), 'gitops', sha)).toBe(`https://github.com/acme/gitops/commit/${sha}`);
    expect(commitUrl(withApiUrl('https://api.github.com/'), 'gitops', sha)).toBe(`https://github.com/acme/gitops/commit/${sha}`);
    expect(commitUrl(withApiUrl('https://ghe.example.com/api/v3'), 'gitops', sha)).toBe(`https://ghe.example.com/acme/gitops/commit/${sha}`);
    expect(commitUrl(withApiUrl('https://ghe.example.com/api/v3/'), 'gitops', sha)).toBe(`https://ghe.example.com/acme/gitops/commit/${sha}`);
  });

  it('never links to anything but http(s), and escapes the SHA', () => {
    expect(commitUrl(withApiUrl('javascript:alert(1)//'), 'gitops', sha)).toBeUndefined();
    expect(commitUrl(withApiUrl(), 'gitops', '"><x')).toBe('https://github.com/acme/gitops/commit/%22%3E%3Cx');
    expect(commitUrl(withApiUrl(), 'unknown', sha)).toBeUndefined();
  });
});

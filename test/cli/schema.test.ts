import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('driftless schema', () => {
  it('prints the JSON Schema ajv validates with, equal to the published schema/driftless.schema.json', () => {
    const printed = execFileSync(path.join(repoRoot, 'bin/driftless'), ['schema'], { cwd: repoRoot, encoding: 'utf8' });
    const published = readFileSync(path.join(repoRoot, 'schema/driftless.schema.json'), 'utf8');
    // On failure: bin/driftless schema > schema/driftless.schema.json
    expect(printed).toBe(published);
    const schema = JSON.parse(printed) as { $schema: string; required: string[] };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['repositories', 'clusters', 'apps']);
  });

  it('--drift-report prints the schema of drift --json, equal to the published schema/drift-report.schema.json', () => {
    const printed = execFileSync(path.join(repoRoot, 'bin/driftless'), ['schema', '--drift-report'], { cwd: repoRoot, encoding: 'utf8' });
    // On failure: bin/driftless schema --drift-report > schema/drift-report.schema.json
    expect(printed).toBe(readFileSync(path.join(repoRoot, 'schema/drift-report.schema.json'), 'utf8'));
    expect((JSON.parse(printed) as { required: string[] }).required).toEqual(['apps']);
  });
});

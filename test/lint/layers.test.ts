import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(root, 'test/lint/fixtures');

/** The project's own eslint.config.js, with the fixture folder standing in for the repository root. */
async function lint(file: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: fixtures, overrideConfigFile: path.join(root, 'eslint.config.js') });
  const [result] = await eslint.lintFiles([path.join(fixtures, file)]);
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the ESLint layer rule (by folder pattern)', () => {
  it('fires on the engine importing an adapter', async () => {
    expect(await lint('src/plan/bad.ts')).toEqual([expect.stringMatching(/^no-restricted-imports: .*The core must not import adapters/)]);
  });

  it('covers a new folder under src/ without editing a list', async () => {
    expect(await lint('src/newfolder/bad.ts')).toEqual([expect.stringMatching(/^no-restricted-imports: .*The core must not import/)]);
  });

  it('forbids src/wiring outside the entry points, in the core and in adapters alike', async () => {
    expect(await lint('src/service/bad-wiring.ts')).toEqual([expect.stringMatching(/^no-restricted-imports: .*Only entry points/)]);
    expect(await lint('src/adapters/x/bad-wiring.ts')).toEqual([expect.stringMatching(/^no-restricted-imports: .*Only entry points/)]);
  });

  it('keeps adapters out of the HTTP app', async () => {
    expect(await lint('src/http/bad.ts')).toEqual([expect.stringMatching(/^no-restricted-imports: .*src\/http is fed a ready service/)]);
  });

  it('lets an inward import and an entry point composing through wiring pass', async () => {
    expect(await lint('src/plan/good.ts')).toEqual([]);
    expect(await lint('src/cli/good-wiring.ts')).toEqual([]);
  });
});

import { newInstallationToken, publicKeyFromPrivate, verifyAppJwt } from './app-auth.ts';
import { installationToken } from './shapes.ts';
import type { GitHubStandinOptions } from './index.ts';
import type { Reply } from './types.ts';

export interface AuthState {
  options: GitHubStandinOptions;
  /** Installation token → expiry (epoch ms). */
  issued: Map<string, number>;
}

type Verdict = { reply: Reply } | { identity: string; app: boolean; iss?: string };

const docs = 'https://docs.github.com/rest';
const badCredentials = (): { reply: Reply } => ({ reply: { status: 401, body: { message: 'Bad credentials', documentation_url: docs } } });

export const isAppPath = (path: string): boolean => path === '/app' || path.startsWith('/app/') || /^\/repos\/[^/]+\/[^/]+\/installation$/.test(path);

/** GitHub accepts `token X` and `Bearer X`; app endpoints need a JWT signed with the app's key. */
export function authenticate(state: AuthState, _method: string, path: string, header: string | undefined): Verdict {
  const m = /^(token|bearer)\s+(\S+)$/i.exec(header ?? '');
  const credential = m?.[2];
  if (isAppPath(path)) {
    if (!state.options.appPrivateKeyPem) return { reply: { status: 404, body: { message: 'Not Found', documentation_url: docs } } };
    if (!credential) return { reply: { status: 401, body: { message: 'A JSON web token could not be decoded', documentation_url: docs } } };
    const appId = state.options.appId === undefined ? undefined : String(state.options.appId);
    const verdict = verifyAppJwt(credential, publicKeyFromPrivate(state.options.appPrivateKeyPem), appId, Math.floor(Date.now() / 1000));
    if (!verdict.ok) return { reply: { status: 401, body: { message: verdict.message, documentation_url: docs } } };
    return { identity: `app:${verdict.iss}`, app: true, iss: verdict.iss };
  }
  const open = state.options.tokens === undefined && !state.options.appPrivateKeyPem;
  if (!credential) return open ? { identity: 'anonymous', app: false } : { reply: { status: 401, body: { message: 'Requires authentication', documentation_url: docs } } };
  if (state.options.tokens?.includes(credential)) return { identity: `token:${credential.slice(0, 6)}`, app: false };
  const expiry = state.issued.get(credential);
  if (expiry !== undefined && expiry > Date.now()) return { identity: 'installation', app: false };
  if (open) return { identity: 'anonymous', app: false };
  return badCredentials();
}

export async function appRoute(state: AuthState, method: string, path: string, _body: unknown, iss: string | undefined): Promise<Reply> {
  const installationId = state.options.installationId ?? 1;
  const token = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
  if (method === 'POST' && token) {
    if (Number(token[1]) !== installationId) return { status: 404, body: { message: 'Not Found', documentation_url: docs } };
    const value = newInstallationToken();
    const expires = Date.now() + (state.options.installationTokenTtlSeconds ?? 3600) * 1000;
    state.issued.set(value, expires);
    return { status: 201, body: installationToken(value, new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z')) };
  }
  if (method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/installation$/.test(path)) {
    return { status: 200, body: { id: installationId, app_id: Number(iss), target_type: 'Organization', account: null, permissions: {}, events: [], repository_selection: 'selected', access_tokens_url: `/app/installations/${installationId}/access_tokens` } };
  }
  if (method === 'GET' && path === '/app') return { status: 200, body: { id: Number(iss), slug: 'driftless', name: 'driftless' } };
  return { status: 404, body: { message: 'Not Found', documentation_url: docs } };
}

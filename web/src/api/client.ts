// The one way the app talks to the API: openapi-fetch over the generated schema (schema.d.ts,
// from GET /api/openapi.json), with the bearer token attached and one refresh-and-retry on a 401.
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { SessionStore, type TokenPair } from './session';

/** Raised to the app when the session is gone: it returns to sign-in, remembering the page. */
export const signedOut = new EventTarget();

/** A new pair; null when the refresh token is refused (spent, revoked, expired). Anything else
 * (a 429, a 5xx, no network) throws, and the tab keeps its session to try again. */
async function postRefresh(path: '/api/auth/refresh', body: { refresh_token: string }): Promise<TokenPair | null> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.ok) return (await res.json()) as TokenPair;
  if (res.status === 400 || res.status === 401) return null;
  throw new Error(`refresh failed with ${res.status}`);
}

export const sessions = new SessionStore(window.sessionStorage, postRefresh);

async function authedFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const token = await sessions.accessToken();
  if (token) input.headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(input);
  if (res.status !== 401 || !token) {
    if (res.status === 401) signedOut.dispatchEvent(new Event('signed-out'));
    return res;
  }
  // The token was refused (expired, or revoked by a sign-out elsewhere): one refresh, one retry.
  const fresh = await sessions.refresh();
  if (!fresh) {
    signedOut.dispatchEvent(new Event('signed-out'));
    return res;
  }
  retry.headers.set('authorization', `Bearer ${fresh.accessToken}`);
  const again = await fetch(retry);
  if (again.status === 401) {
    sessions.clear();
    signedOut.dispatchEvent(new Event('signed-out'));
  }
  return again;
}

export const api = createClient<paths>({ baseUrl: '', fetch: authedFetch });

/** Sign-in goes around the bearer middleware. */
export const publicApi = createClient<paths>({ baseUrl: '' });

export async function signIn(email: string, password: string) {
  const { data, error, response } = await publicApi.POST('/api/auth/login', { body: { email, password } });
  if (data) sessions.accept(data);
  return { ok: !!data, error, status: response.status, retryAfter: response.headers.get('retry-after') };
}

export async function signOut() {
  // Ends this sign-in on the server (the refresh token stops working), then forgets it here; the
  // tab forgets it even when the server cannot be reached.
  const refresh = sessions.refreshToken;
  if (sessions.session) {
    await api.POST('/api/auth/logout', { body: { refresh_token: refresh } }).catch(() => undefined);
  }
  sessions.clear();
}

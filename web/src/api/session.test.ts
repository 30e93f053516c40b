import { describe, expect, it, vi } from 'vitest';
import { SessionStore, type TokenPair } from './session';

class MemoryStorage {
  items = new Map<string, string>();
  getItem = (k: string) => this.items.get(k) ?? null;
  setItem = (k: string, v: string) => void this.items.set(k, v);
  removeItem = (k: string) => void this.items.delete(k);
}

const pair = (n: number): TokenPair => ({
  access_token: `access-${n}`,
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: `refresh-${n}`,
  refresh_expires_at: '2026-12-30T00:00:00Z',
  user_id: 'u1',
  business_id: 'b1',
  role: 'business_owner',
});

describe('SessionStore', () => {
  it('keeps the access token in memory and only the refresh token in storage', () => {
    const storage = new MemoryStorage();
    const store = new SessionStore(storage, async () => null, () => 0);
    store.accept(pair(1));
    expect([...storage.items.values()]).toEqual(['refresh-1']);
    expect(store.session?.accessToken).toBe('access-1');
  });

  it('uses the token until shortly before it expires, then refreshes once for concurrent callers', async () => {
    let now = 0;
    const post = vi.fn(async () => pair(2));
    const store = new SessionStore(new MemoryStorage(), post, () => now);
    store.accept(pair(1));
    expect(await store.accessToken()).toBe('access-1');
    now = 900_000 - 10_000;
    const [a, b] = await Promise.all([store.accessToken(), store.accessToken()]);
    expect([a, b]).toEqual(['access-2', 'access-2']);
    expect(post).toHaveBeenCalledTimes(1);
    expect(post).toHaveBeenCalledWith('/api/auth/refresh', { refresh_token: 'refresh-1' });
  });

  it('resumes after a reload from the stored refresh token', async () => {
    const storage = new MemoryStorage();
    storage.setItem('studioconnect.refresh', 'refresh-7');
    const store = new SessionStore(storage, async (_p, body) => (body.refresh_token === 'refresh-7' ? pair(8) : null));
    expect(store.session).toBeNull();
    expect((await store.refresh())?.accessToken).toBe('access-8');
    expect(storage.getItem('studioconnect.refresh')).toBe('refresh-8');
  });

  it('keeps the session when the refresh fails for another reason than a refusal', async () => {
    const storage = new MemoryStorage();
    let now = 0;
    const store = new SessionStore(storage, async () => {
      throw new Error('refresh failed with 503');
    }, () => now);
    store.accept(pair(1));
    now = 10_000_000;
    await expect(store.accessToken()).rejects.toThrow('503');
    expect(storage.getItem('studioconnect.refresh')).toBe('refresh-1');
    expect(store.session?.accessToken).toBe('access-1');
  });

  it('signs out when the refresh is refused, and tells listeners', async () => {
    const storage = new MemoryStorage();
    let now = 0;
    const store = new SessionStore(storage, async () => null, () => now);
    store.accept(pair(1));
    now = 10_000_000;
    const seen: unknown[] = [];
    store.subscribe((s) => seen.push(s));
    expect(await store.accessToken()).toBeNull();
    expect(store.session).toBeNull();
    expect(storage.items.size).toBe(0);
    expect(seen).toEqual([null]);
  });
});

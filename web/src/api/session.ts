// The signed-in session. The access token lives in memory only; the refresh token in
// sessionStorage (this tab, gone when it closes) so a reload does not sign the user out. Each
// refresh token works once: concurrent refreshes share one request.
import type { components } from './schema';

export type TokenPair = components['schemas']['TokenPair'];
export type Role = components['schemas']['Role'];

export interface Session {
  accessToken: string;
  /** Epoch milliseconds when the access token stops working. */
  expiresAt: number;
  userId: string;
  role: Role;
  /** The business the user belongs to (none for platform admins). */
  homeBusinessId: string | null;
}

const REFRESH_KEY = 'studioconnect.refresh';
/** Refresh this long before the access token expires, so no request races its expiry. */
const EARLY_MS = 30_000;

export interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

type Listener = (session: Session | null) => void;

export class SessionStore {
  private current: Session | null = null;
  private inflight: Promise<Session | null> | null = null;
  private listeners = new Set<Listener>();

  constructor(
    private storage: Storage,
    private post: (path: '/api/auth/refresh', body: { refresh_token: string }) => Promise<TokenPair | null>,
    private now: () => number = Date.now,
  ) {}

  get session(): Session | null {
    return this.current;
  }

  get refreshToken(): string | null {
    return this.storage.getItem(REFRESH_KEY);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes a pair from sign-in or refresh. */
  accept(pair: TokenPair): Session {
    this.storage.setItem(REFRESH_KEY, pair.refresh_token);
    this.current = {
      accessToken: pair.access_token,
      expiresAt: this.now() + pair.expires_in * 1000,
      userId: pair.user_id,
      role: pair.role,
      homeBusinessId: pair.business_id ?? null,
    };
    this.emit();
    return this.current;
  }

  /** A token good for the next request: the current one, or a refreshed one, or null (signed out). */
  async accessToken(): Promise<string | null> {
    if (this.current && this.current.expiresAt - EARLY_MS > this.now()) {
      return this.current.accessToken;
    }
    const s = await this.refresh();
    return s?.accessToken ?? null;
  }

  /** Exchanges the stored refresh token for a new pair; clears the session when it is refused,
   * and keeps it (rejecting) when the exchange failed for another reason. */
  refresh(): Promise<Session | null> {
    if (!this.inflight) {
      this.inflight = this.doRefresh().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  /** Forgets everything this tab holds; returns the refresh token it held, for the sign-out call. */
  clear(): string | null {
    const refresh = this.storage.getItem(REFRESH_KEY);
    this.storage.removeItem(REFRESH_KEY);
    if (this.current) {
      this.current = null;
      this.emit();
    }
    return refresh;
  }

  private async doRefresh(): Promise<Session | null> {
    const token = this.storage.getItem(REFRESH_KEY);
    if (!token) {
      this.clear();
      return null;
    }
    const pair = await this.post('/api/auth/refresh', { refresh_token: token });
    if (!pair) {
      this.clear();
      return null;
    }
    return this.accept(pair);
  }

  private emit() {
    for (const l of this.listeners) l(this.current);
  }
}

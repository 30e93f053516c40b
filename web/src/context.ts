// What every page under the shell knows: who is signed in, which business is open, whether the
// user may change it.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { components } from './api/schema';
import type { Session } from './api/session';

export type Business = components['schemas']['Business'];

export interface Workspace {
  session: Session;
  businessId: string;
  business: Business;
  /** Owners and platform admins; members read, and work leads only. */
  canWrite: boolean;
  /** After the business itself was saved: its name and time zone are shown everywhere. */
  reloadBusiness: () => void;
}

export const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace {
  const w = useContext(WorkspaceContext);
  if (!w) throw new Error('useWorkspace outside the shell');
  return w;
}

/** The business a platform admin opened, kept for this tab. */
const OPEN_KEY = 'studioconnect.business';
export const openedBusiness = {
  get: (): string | null => window.sessionStorage.getItem(OPEN_KEY),
  set: (id: string) => window.sessionStorage.setItem(OPEN_KEY, id),
  clear: () => window.sessionStorage.removeItem(OPEN_KEY),
};

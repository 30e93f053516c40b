// Loading data for a page: one request (or a few together), its three states, and a reload.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { formError, type FormError } from '../api/errors';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'error'; error: FormError }
  | { state: 'ready'; data: T };

/** What openapi-fetch answers: data on success, else the error body and the response. */
export interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Unwraps an answer: its data, or throws the FormError a page shows. */
export function must<T>(answer: Answer<T>): T {
  if (answer.data !== undefined && answer.response.ok) return answer.data;
  throw formError(answer.response.status, answer.error);
}

/** Loads on mount and when `deps` change; `reload` loads again, showing what it had meanwhile
 * (so a page under a reloaded business keeps its place instead of flashing "Loading"). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> & { reload: () => void } {
  const [state, setState] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const lastDeps = useRef<unknown[] | null>(null);
  useEffect(() => {
    let live = true;
    const sameDeps = lastDeps.current !== null && lastDeps.current.length === deps.length && lastDeps.current.every((d, i) => Object.is(d, deps[i]));
    lastDeps.current = deps;
    setState((s) => (sameDeps && s.state === 'ready' ? s : { state: 'loading' }));
    load().then(
      (data) => live && setState({ state: 'ready', data }),
      (e: unknown) => live && setState({ state: 'error', error: asFormError(e) }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function asFormError(e: unknown): FormError {
  if (e && typeof e === 'object' && 'status' in e && 'message' in e) return e as FormError;
  return { field: null, code: 'network', status: 0, message: 'The dashboard could not reach the server. Check your connection and try again.' };
}

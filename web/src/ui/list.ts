// Keyset-paged lists whose filters live in the address (links and Back work).
import { useState } from 'preact/hooks';
import { useLoad } from './load';

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** One page at a time; the cursors walked so far give "Previous". A new filter starts over. */
export function useKeyset<T>(load: (cursor: string | undefined) => Promise<Page<T>>, filterKey: string) {
  const [walk, setWalk] = useState<{ key: string; cursors: string[] }>({ key: filterKey, cursors: [] });
  const cursors = walk.key === filterKey ? walk.cursors : [];
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(() => load(cursor), [filterKey, cursor]);
  return {
    page,
    hasPrevious: cursors.length > 0,
    next: (c: string) => setWalk({ key: filterKey, cursors: [...cursors, c] }),
    previous: () => setWalk({ key: filterKey, cursors: cursors.slice(0, -1) }),
  };
}

/** `{a: "1", b: ""}` -> `?a=1` (empty values left out). */
export function toQuery(values: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The values of a submitted filter form. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((v, k) => {
    if (typeof v === 'string') out[k] = v.trim();
  });
  return out;
}

// How the dashboard writes times, durations, money and phone numbers. Pure functions, unit-tested.

/** 0 -> "0:00", 65 -> "1:05", 3725 -> "1:02:05". */
export function duration(secs: number | null | undefined): string {
  if (secs == null || !Number.isFinite(secs) || secs < 0) return '–';
  const s = Math.round(secs);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

/** A decimal amount as the API stores it ("1.234500") in its currency, to the cent. */
export function money(amount: string | null | undefined, currency: string | null | undefined): string {
  if (amount == null || currency == null) return '–';
  const n = Number(amount);
  if (!Number.isFinite(n)) return '–';
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(n);
  } catch {
    return `${n.toFixed(2)} ${currency}`;
  }
}

/** A moment in the business's zone: "Nov 30, 2:05 PM" (the year when it is not this one). */
export function when(iso: string | null | undefined, timeZone?: string, now = new Date()): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  const sameYear =
    new Intl.DateTimeFormat('en-US', { year: 'numeric', timeZone }).format(d) ===
    new Intl.DateTimeFormat('en-US', { year: 'numeric', timeZone }).format(now);
  return new Intl.DateTimeFormat('en-US', {
    month: 'short',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
  }).format(d);
}

/** "+14155552671" -> "+1 415 555 2671" (NANP); others as stored. */
export function phone(e164: string | null | undefined): string {
  if (!e164) return '–';
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `+1 ${m[1]} ${m[2]} ${m[3]}` : e164;
}

/** "no-answer" -> "No answer", "needs_reconsent" -> "Needs reconsent". */
export function label(code: string | null | undefined): string {
  if (!code) return '–';
  const words = code.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A date input's value ("2026-11-30") as the API's date filter, unchanged when well-formed. */
export function dateFilter(value: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined;
}

/** A link from outside (a provider's project URL) only when it is http(s): never `javascript:`. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** "1 passage", "5 passages": a count with its noun (regular plurals only). */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// Where the app may send the browser after signing in.

/** Only same-site paths are followed after sign-in (never another origin). */
export function safeNext(next: string | undefined): string {
  const ok = next && next.startsWith('/') && !next.startsWith('//') && !/[\\\u0000-\u001f]/.test(next) && !next.startsWith('/sign-in');
  return ok ? next : '/';
}

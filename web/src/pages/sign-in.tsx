import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { signIn } from '../api/client';
import { formError, type FormError } from '../api/errors';
import { openedBusiness } from '../context';
import { Field, FormProblem } from '../ui/parts';
import { safeNext } from '../navigation';

export function SignIn() {
  const { query, route } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FormError | null>(null);
  const fields = ['email', 'password'] as const;

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await signIn(email, password);
      if (answer.ok) {
        openedBusiness.clear();
        route(safeNext(query.next), true);
        return;
      }
      if (answer.status === 401) {
        setError({ field: null, code: 'unauthorized', status: 401, message: 'That email and password do not match an account.' });
      } else if (answer.status === 429) {
        const wait = Number(answer.retryAfter);
        setError({
          field: null,
          code: 'rate_limited',
          status: 429,
          message: `Too many attempts. Try again in ${Number.isFinite(wait) && wait > 0 ? `${Math.ceil(wait / 60)} minute(s)` : 'a while'}.`,
        });
      } else {
        setError(formError(answer.status, answer.error, fields));
      }
    } catch {
      setError({ field: null, code: 'network', status: 0, message: 'The server could not be reached. Try again.' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <form class="card" onSubmit={submit} noValidate>
        <h1>Sign in to StudioConnect AI</h1>
        {query.next && <p class="hint">Sign in to continue where you were.</p>}
        <Field label="Email" name="email" error={error}>
          {(a) => (
            <input {...a} type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          )}
        </Field>
        <Field label="Password" name="password" error={error}>
          {(a) => (
            <input
              {...a}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          )}
        </Field>
        <FormProblem error={error} fields={fields} />
        <button type="submit" disabled={busy || !email || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

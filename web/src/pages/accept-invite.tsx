// The invitation link (`/accept-invite#token=...`): the invited user sets a password and is signed
// in. The token travels in the fragment, so it never reaches a server log.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { publicApi, sessions } from '../api/client';
import { formError, type FormError } from '../api/errors';
import { Field, FormProblem } from '../ui/parts';

const FIELDS = ['password', 'token'] as const;

export function AcceptInvite() {
  const { route } = useLocation();
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FormError | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    if (password !== again) {
      setError({ field: 'again', code: 'mismatch', status: 0, message: 'The two passwords differ.' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await publicApi.POST('/api/auth/invitations/accept', { body: { token, password } });
      if (answer.data) {
        sessions.accept(answer.data);
        route('/', true);
      } else {
        setError(formError(answer.response.status, answer.error, FIELDS));
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
        <h1>Welcome to StudioConnect AI</h1>
        {!token ? (
          <p class="form-problem" role="alert">
            This link has no invitation in it. Open the link you were sent again, or ask for a new one.
          </p>
        ) : (
          <>
            <p class="hint">Choose a password (at least 12 characters) to finish setting up your account.</p>
            <Field label="New password" name="password" error={error}>
              {(a) => <input {...a} type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />}
            </Field>
            <Field label="The same password again" name="again" error={error}>
              {(a) => <input {...a} type="password" autoComplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />}
            </Field>
            <FormProblem error={error} fields={[...FIELDS.filter((f) => f !== 'token'), 'again']} />
            <button type="submit" disabled={busy || !password}>
              {busy ? 'Setting up…' : 'Set password and sign in'}
            </button>
          </>
        )}
      </form>
    </main>
  );
}

// A form's save: busy while it runs, the error placed on its field, "Saved." when done.
import { useState } from 'preact/hooks';
import { formError, type FormError } from '../api/errors';
import { asFormError, type Answer } from './load';

export function useSave<T>(fields: readonly string[]) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FormError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  async function run(send: () => Promise<Answer<T>>, done?: (data: T) => void, message = 'Saved.') {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const answer = await send();
      if (answer.data !== undefined && answer.response.ok) {
        done?.(answer.data);
        setSaved(message);
      } else {
        setError(formError(answer.response.status, answer.error, fields));
      }
    } catch (e) {
      setError(asFormError(e));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, saved, run, setError };
}

// The API's error body ({"error": {"code", "message"}}) turned into what a form shows: a message
// next to the field it names, or one for the whole form.
import type { components } from './schema';

export type ErrorBody = components['schemas']['ErrorBody'];

export interface FormError {
  /** The field the message names (a form input's name), or null for the whole form. */
  field: string | null;
  message: string;
  code: string;
  status: number;
}

/**
 * `invalid_field` messages start with the field's name ("email: not an address",
 * "questions[2].choices: at least two"); `fields` lists the form's field names, longest match
 * wins, so "phone_numbers[1]" finds "phone_numbers".
 */
export function formError(status: number, body: unknown, fields: readonly string[] = []): FormError {
  const detail = (body as ErrorBody | undefined)?.error;
  if (!detail || typeof detail.message !== 'string') {
    return {
      field: null,
      code: 'unexpected',
      status,
      message: status >= 500 ? 'The server could not answer. Try again in a moment.' : `Request failed (${status}).`,
    };
  }
  const { code, message } = detail;
  if (status === 409) {
    return { field: null, code, status, message: `Conflict: ${message}` };
  }
  // A too-large or unaccepted file is about its field too ("file: ...").
  if (code === 'invalid_field' || code === 'file_too_large' || code === 'unsupported_media_type') {
    const named = fieldOf(message, fields);
    if (named) {
      const rest = message.slice(named.prefixLength).replace(/^[\s:]+/, '');
      return { field: named.field, code, status, message: rest || message };
    }
  }
  return { field: null, code, status, message };
}

function fieldOf(message: string, fields: readonly string[]): { field: string; prefixLength: number } | null {
  // The path before the first space or colon: "questions[2].choices", "email".
  const path = /^([A-Za-z_][\w.[\]]*)/.exec(message)?.[1];
  if (!path) return null;
  const candidates = [...fields].sort((a, b) => b.length - a.length);
  for (const f of candidates) {
    if (path === f || path.startsWith(`${f}[`) || path.startsWith(`${f}.`)) {
      return { field: f, prefixLength: path.length };
    }
  }
  return null;
}

/** Whether an API message is about item `index` of the list field `list`: `questions[2]: …` or
 * `questions[2].choices: …`, never `questions[20]`. */
export function isAboutItem(message: string, list: string, index: number): boolean {
  return message.startsWith(`${list}[${index}]:`) || message.startsWith(`${list}[${index}].`);
}

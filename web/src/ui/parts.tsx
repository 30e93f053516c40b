// The small pieces every page uses: loading, error and empty states, labelled fields, badges.
import type { ComponentChildren } from 'preact';
import type { FormError } from '../api/errors';
import { label } from '../format';

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Failure({ error, retry }: { error: FormError; retry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p>
        <strong>{error.status === 403 ? 'Not allowed.' : error.status === 404 ? 'Not found.' : 'Something went wrong.'}</strong>{' '}
        {error.message}
      </p>
      {retry && (
        <button type="button" class="secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <p>
        <strong>{title}</strong>
      </p>
      {children}
    </div>
  );
}

export function Field(props: {
  label: string;
  name: string;
  error?: FormError | null;
  hint?: string;
  children: (attrs: { id: string; name: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }) => ComponentChildren;
}) {
  const id = `f-${props.name}`;
  const mine = props.error && props.error.field === props.name ? props.error : null;
  const described = [props.hint ? `${id}-hint` : null, mine ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div class={`field${mine ? ' field-invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children({
        id,
        name: props.name,
        ...(mine ? { 'aria-invalid': true } : {}),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {mine && (
        <p class="field-error" id={`${id}-error`} data-field-error={props.name}>
          {mine.message}
        </p>
      )}
    </div>
  );
}

/** An error the form could not pin to one of its fields. */
export function FormProblem({ error, fields }: { error: FormError | null; fields: readonly string[] }) {
  if (!error || (error.field && fields.includes(error.field))) return null;
  return (
    <p class="form-problem" role="alert">
      {error.message}
    </p>
  );
}

export function Badge({ value, tone }: { value: string | null | undefined; tone?: string }) {
  return <span class={`badge badge-${tone ?? value ?? 'none'}`}>{label(value)}</span>;
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{title}</h1>
      {children && <div class="page-actions">{children}</div>}
    </header>
  );
}

/** Keyset paging: the cursors seen so far make "Previous" possible without offsets. */
export function Pager(props: { hasPrevious: boolean; next: string | null | undefined; onPrevious: () => void; onNext: (cursor: string) => void }) {
  if (!props.hasPrevious && !props.next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="secondary" disabled={!props.hasPrevious} onClick={props.onPrevious}>
        ← Previous
      </button>
      <button type="button" class="secondary" disabled={!props.next} onClick={() => props.next && props.onNext(props.next)}>
        Next →
      </button>
    </nav>
  );
}

/** A form's save button and its "Saved." (announced), with any other actions before them. */
export function SaveBar(props: { busy: boolean; saved: string | null; label?: string; busyLabel?: string; children?: ComponentChildren }) {
  return (
    <div class="actions">
      {props.children}
      <button type="submit" disabled={props.busy}>
        {props.busy ? (props.busyLabel ?? 'Saving…') : (props.label ?? 'Save')}
      </button>
      <span role="status" class="saved">
        {props.saved}
      </span>
    </div>
  );
}

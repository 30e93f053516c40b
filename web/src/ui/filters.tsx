// A list page's filters, kept in the address: submitting routes to the same page with the form's
// values as its query (links and Back work); Clear drops them.
import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { formValues, toQuery } from './list';

export function FilterBar(props: { label: string; active: boolean; submit?: string; children: ComponentChildren }) {
  const { path, route } = useLocation();
  return (
    <form
      class="filters"
      role="search"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        route(path + toQuery(formValues(e.currentTarget)));
      }}
    >
      {props.children}
      <button type="submit">{props.submit ?? 'Filter'}</button>
      {props.active && (
        <a class="button secondary" href={path}>
          Clear
        </a>
      )}
    </form>
  );
}

/** A select over a closed set, "Any" first. */
export function Choice<T extends string>(props: { label: string; name: string; options: readonly T[]; value: T | undefined }) {
  return (
    <label>
      {props.label}
      <select name={props.name} value={props.value ?? ''}>
        <option value="">Any</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

/** From and Before date inputs (`from`, `to` in the address). */
export function DateRange(props: { from: string | undefined; to: string | undefined }) {
  return (
    <>
      <label>
        From
        <input type="date" name="from" value={props.from ?? ''} />
      </label>
      <label>
        Before
        <input type="date" name="to" value={props.to ?? ''} />
      </label>
    </>
  );
}

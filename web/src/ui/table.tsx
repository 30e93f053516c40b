// One page of a keyset list as a table: loading, error and empty states, the rows, the pager.
import type { ComponentChildren } from 'preact';
import type { Page } from './list';
import type { Loaded } from './load';
import { Failure, Loading, Pager } from './parts';

export interface Column<T> {
  title: string;
  cell: (row: T) => ComponentChildren;
}

export function ListTable<T extends { id: string }>(props: {
  what: string;
  caption: string;
  columns: Column<T>[];
  list: { page: Loaded<Page<T>> & { reload: () => void }; hasPrevious: boolean; next: (c: string) => void; previous: () => void };
  empty: ComponentChildren;
}) {
  const { page } = props.list;
  if (page.state === 'loading') return <Loading what={props.what} />;
  if (page.state === 'error') return <Failure error={page.error} retry={page.reload} />;
  return (
    <>
      {page.data.items.length === 0 ? (
        props.empty
      ) : (
        <table class="list">
          <caption class="visually-hidden">{props.caption}</caption>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th scope="col" key={c.title}>
                  {c.title}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((row) => (
              <tr key={row.id}>
                {props.columns.map((c) => (
                  <td data-label={c.title} key={c.title}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager hasPrevious={props.list.hasPrevious} next={page.data.next_cursor} onPrevious={props.list.previous} onNext={props.list.next} />
    </>
  );
}



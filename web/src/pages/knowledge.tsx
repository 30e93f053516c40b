// The knowledge base: the documents the agent searches mid-call (with where their indexing
// stands), and the questions callers asked that nothing in it answered.
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { label, plural, when } from '../format';
import { statusNote } from '../knowledge-status';
import { FilterBar } from '../ui/filters';
import { useKeyset } from '../ui/list';
import { must, useLoad } from '../ui/load';
import { Badge, Empty, Failure, Loading, PageHeader } from '../ui/parts';
import { ListTable } from '../ui/table';

type DocumentSummary = components['schemas']['DocumentSummary'];
type Status = components['schemas']['DocumentStatus'];
const PAGE_SIZE = 25;
const STATUSES: Status[] = ['processing', 'ready', 'failed'];
/** How often a list with documents still being indexed looks again. */
const POLL_MS = 3000;

export function Knowledge() {
  const { businessId, business, canWrite } = useWorkspace();
  const { query } = useLocation();
  const status = STATUSES.find((s) => s === query.status);
  const list = useKeyset(
    async (cursor) =>
      must(
        await api.GET('/api/businesses/{id}/knowledge/documents', {
          params: { path: { id: businessId }, query: { status, limit: PAGE_SIZE, cursor } },
        }),
      ),
    status ?? '',
  );
  const page = list.page;
  const indexing = page.state === 'ready' && page.data.items.some((d) => d.status === 'processing');
  useEffect(() => {
    if (!indexing) return;
    const timer = window.setTimeout(page.reload, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [indexing, page]);
  return (
    <section>
      <PageHeader title="Knowledge base">
        {canWrite && (
          <a class="button" href="/knowledge/new">
            Add a document
          </a>
        )}
      </PageHeader>
      <p class="lead">
        The agent searches these documents when a caller asks about your services, prices or policies. A document for one client is
        searched only on that client's calls.
      </p>
      <FilterBar label="Filter documents" active={!!status} submit="Filter">
        <label>
          Status
          <select name="status" value={status ?? ''}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </label>
      </FilterBar>
      <ListTable<DocumentSummary>
        what="documents"
        caption="Knowledge documents"
        list={list}
        empty={
          <Empty title={status ? `No ${label(status).toLowerCase()} documents.` : 'No documents yet.'}>
            {!status && <p>Add your FAQ, price list or policies: type them, upload a PDF, Word or HTML file, or import a page of your website.</p>}
          </Empty>
        }
        columns={[
          { title: 'Title', cell: (d) => <a href={`/knowledge/${d.id}`}>{d.title}</a> },
          { title: 'Heard by', cell: (d) => d.client_name ?? 'Every caller' },
          { title: 'Source', cell: (d) => d.source_name ?? label(d.source_kind) },
          {
            title: 'Status',
            cell: (d) => (
              <>
                <Badge value={d.status} />
                {statusNote(d) && <span class="cell-note"> {statusNote(d)}</span>}
              </>
            ),
          },
          { title: 'Updated', cell: (d) => when(d.updated_at, business.timezone) },
        ]}
      />
      <Unanswered />
    </section>
  );
}

/** What callers asked that the knowledge base could not answer, most asked first. */
function Unanswered() {
  const { businessId, business } = useWorkspace();
  const loaded = useLoad(
    async () => must(await api.GET('/api/businesses/{id}/knowledge/unanswered', { params: { path: { id: businessId } } })),
    [businessId],
  );
  return (
    <section class="card unanswered-card" aria-labelledby="unanswered-title">
      <h2 id="unanswered-title">Questions the knowledge base could not answer</h2>
      {loaded.state === 'loading' && <Loading what="unanswered questions" />}
      {loaded.state === 'error' && <Failure error={loaded.error} retry={loaded.reload} />}
      {loaded.state === 'ready' &&
        (loaded.data.groups.length === 0 ? (
          <p class="hint">In the last {loaded.data.days} days every question the agent searched for found an answer.</p>
        ) : (
          <>
            <p class="hint">From the last {loaded.data.days} days, alike questions together. Add the answers to a document and the agent will find them.</p>
            <ul class="unanswered">
              {loaded.data.groups.map((g) => (
                <li key={g.question}>
                  <strong>“{g.question}”</strong>{' '}
                  <span class="cell-note">
                    asked {plural(g.count, 'time')}, last {when(g.last_asked_at, business.timezone)}
                  </span>
                  {g.examples.length > 0 && <p class="hint">Also asked as: {g.examples.map((e) => `“${e}”`).join(', ')}</p>}
                </li>
              ))}
            </ul>
          </>
        ))}
    </section>
  );
}

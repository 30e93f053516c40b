import { useLocation } from 'preact-iso';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { dateFilter, duration, phone, when } from '../format';
import { Choice, DateRange, FilterBar } from '../ui/filters';
import { useKeyset } from '../ui/list';
import { must } from '../ui/load';
import { Badge, Empty, PageHeader } from '../ui/parts';
import { ListTable } from '../ui/table';

type CallStatus = components['schemas']['CallStatus'];
type CallDirection = components['schemas']['CallDirection'];
type Call = components['schemas']['CallSummary'];
const STATUSES: CallStatus[] = ['completed', 'failed', 'busy', 'no-answer', 'in-progress'];
const DIRECTIONS: CallDirection[] = ['inbound', 'outbound'];
const PAGE_SIZE = 25;

export function Calls() {
  const { businessId, business } = useWorkspace();
  const { query } = useLocation();
  const filters = {
    status: STATUSES.find((s) => s === query.status),
    direction: DIRECTIONS.find((d) => d === query.direction),
    created_from: dateFilter(query.from ?? ''),
    created_to: dateFilter(query.to ?? ''),
    caller: query.caller?.trim() || undefined,
    // From a lead's page: all of that lead's calls (a lead page shows its latest 20).
    lead_id: query.lead?.trim() || undefined,
  };
  const list = useKeyset(
    async (cursor) =>
      must(await api.GET('/api/businesses/{id}/calls', { params: { path: { id: businessId }, query: { ...filters, limit: PAGE_SIZE, cursor } } })),
    JSON.stringify(filters),
  );
  const filtered = Object.values(filters).some(Boolean);
  return (
    <section>
      <PageHeader title="Calls" />
      {filters.lead_id && (
        <p class="callout" role="status">
          The calls of one lead. <a href={`/leads/${encodeURIComponent(filters.lead_id)}`}>Back to the lead</a>
        </p>
      )}
      <FilterBar label="Filter calls" active={filtered}>
        {/* Kept when other filters are applied; Clear drops it with them. */}
        {filters.lead_id && <input type="hidden" name="lead" value={filters.lead_id} />}
        <Choice label="Status" name="status" options={STATUSES} value={filters.status} />
        <Choice label="Direction" name="direction" options={DIRECTIONS} value={filters.direction} />
        <DateRange from={filters.created_from} to={filters.created_to} />
        <label>
          Caller
          <input type="search" name="caller" placeholder="Name or number" value={filters.caller ?? ''} />
        </label>
      </FilterBar>
      <ListTable<Call>
        what="calls"
        caption="Calls, newest first"
        list={list}
        empty={
          <Empty title={filtered ? 'No calls match these filters.' : 'No calls yet.'}>
            {!filtered && <p>Calls your agent answers appear here a few seconds after they end.</p>}
          </Empty>
        }
        columns={[
          { title: 'When', cell: (c) => <a href={`/calls/${c.id}`}>{when(c.started_at ?? c.created_at, business.timezone)}</a> },
          { title: 'Caller', cell: (c) => phone(c.direction === 'outbound' ? c.to_phone : c.from_phone) },
          { title: 'Summary', cell: (c) => c.summary_title ?? '–' },
          { title: 'Status', cell: (c) => <Badge value={c.status} /> },
          { title: 'Duration', cell: (c) => duration(c.duration_secs) },
        ]}
      />
    </section>
  );
}

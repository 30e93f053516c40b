import { useLocation } from 'preact-iso';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { dateFilter, phone, when } from '../format';
import { Choice, DateRange, FilterBar } from '../ui/filters';
import { useKeyset } from '../ui/list';
import { must } from '../ui/load';
import { Badge, Empty, PageHeader } from '../ui/parts';
import { ListTable } from '../ui/table';

type LeadStatus = components['schemas']['LeadStatus'];
type Priority = components['schemas']['Priority'];
type Lead = components['schemas']['Lead'];
export const LEAD_STATUSES: LeadStatus[] = ['new', 'contacted', 'qualified', 'closed'];
const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'low'];
const PAGE_SIZE = 25;

export function Leads() {
  const { businessId, business } = useWorkspace();
  const { query } = useLocation();
  const filters = {
    status: LEAD_STATUSES.find((s) => s === query.status),
    priority: PRIORITIES.find((p) => p === query.priority),
    created_from: dateFilter(query.from ?? ''),
    created_to: dateFilter(query.to ?? ''),
  };
  const list = useKeyset(
    async (cursor) =>
      must(
        await api.GET('/api/businesses/{id}/leads', {
          params: { path: { id: businessId }, query: { ...filters, sort: 'priority', limit: PAGE_SIZE, cursor } },
        }),
      ),
    JSON.stringify(filters),
  );
  const filtered = Object.values(filters).some(Boolean);
  return (
    <section>
      <PageHeader title="Leads" />
      <FilterBar label="Filter leads" active={filtered}>
        <Choice label="Status" name="status" options={LEAD_STATUSES} value={filters.status} />
        <Choice label="Priority" name="priority" options={PRIORITIES} value={filters.priority} />
        <DateRange from={filters.created_from} to={filters.created_to} />
      </FilterBar>
      <ListTable<Lead>
        what="leads"
        caption="Leads, most urgent first, then newest"
        list={list}
        empty={
          <Empty title={filtered ? 'No leads match these filters.' : 'No leads yet.'}>
            {!filtered && <p>New callers your agent qualifies become leads here.</p>}
          </Empty>
        }
        columns={[
          {
            title: 'Who',
            cell: (l) => (
              <>
                <a href={`/leads/${l.id}`}>{l.contact_name ?? l.email ?? phone(l.caller_phone)}</a>
                {l.company && <span class="hint"> · {l.company}</span>}
              </>
            ),
          },
          { title: 'Priority', cell: (l) => <Badge value={l.priority} /> },
          { title: 'Status', cell: (l) => <Badge value={l.status} /> },
          { title: 'Phone', cell: (l) => phone(l.phone ?? l.caller_phone) },
          { title: 'Came in', cell: (l) => when(l.created_at, business.timezone) },
        ]}
      />
    </section>
  );
}

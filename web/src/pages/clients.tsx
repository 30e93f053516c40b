import { useLocation } from 'preact-iso';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { phone, when } from '../format';
import { FilterBar } from '../ui/filters';
import { useKeyset } from '../ui/list';
import { must } from '../ui/load';
import { Empty, PageHeader } from '../ui/parts';
import { ListTable } from '../ui/table';

type Client = components['schemas']['Client'];
const PAGE_SIZE = 25;

export function Clients() {
  const { businessId, business, canWrite } = useWorkspace();
  const { query } = useLocation();
  const search = query.search?.trim() || undefined;
  const list = useKeyset(
    async (cursor) =>
      must(await api.GET('/api/businesses/{id}/clients', { params: { path: { id: businessId }, query: { search, limit: PAGE_SIZE, cursor } } })),
    search ?? '',
  );
  return (
    <section>
      <PageHeader title="Clients">
        {canWrite && (
          <a class="button" href="/clients/new">
            New client
          </a>
        )}
      </PageHeader>
      <FilterBar label="Search clients" active={!!search} submit="Search">
        <label>
          Search
          <input type="search" name="search" placeholder="Name, company or number" value={search ?? ''} />
        </label>
      </FilterBar>
      <ListTable<Client>
        what="clients"
        caption="Clients"
        list={list}
        empty={
          <Empty title={search ? `No client matches “${search}”.` : 'No clients yet.'}>
            {!search && <p>Add your clients so the agent greets them by name and knows their projects.</p>}
          </Empty>
        }
        columns={[
          { title: 'Name', cell: (c) => <a href={`/clients/${c.id}`}>{c.name}</a> },
          { title: 'Company', cell: (c) => c.company ?? '–' },
          { title: 'Numbers', cell: (c) => c.phone_numbers.map(phone).join(', ') || '–' },
          { title: 'Updated', cell: (c) => when(c.updated_at, business.timezone) },
        ]}
      />
    </section>
  );
}

// Platform admins: every business, a new one with its first owner (invited by email), and
// opening any of them.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { when } from '../format';
import { FilterBar } from '../ui/filters';
import { useKeyset } from '../ui/list';
import { must } from '../ui/load';
import { Empty, Field, FormProblem, PageHeader } from '../ui/parts';
import { ListTable } from '../ui/table';
import { useSave } from '../ui/save';

type NewBusiness = components['schemas']['NewBusiness'];
type BusinessSummary = components['schemas']['BusinessSummary'];
const FIELDS = ['name', 'timezone', 'default_region', 'phone_numbers', 'owner_email'];
const ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

export function Businesses({ onOpen }: { onOpen: (id: string) => void }) {
  const { query } = useLocation();
  const search = query.search?.trim() || undefined;
  const [creating, setCreating] = useState(false);
  // Bumped by a creation, so the list below loads again and shows the new business.
  const [created, setCreated] = useState(0);
  const list = useKeyset(
    async (cursor) => must(await api.GET('/api/businesses', { params: { query: { search, cursor, limit: 25 } } })),
    `${search ?? ''}#${created}`,
  );
  return (
    <section>
      <PageHeader title="All businesses">
        <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          New business
        </button>
      </PageHeader>
      {creating && <CreateBusiness onOpen={onOpen} onCreated={() => setCreated((n) => n + 1)} />}
      <FilterBar label="Search businesses" active={!!search} submit="Search">
        <label>
          Search
          <input type="search" name="search" placeholder="Name or number" value={search ?? ''} />
        </label>
      </FilterBar>
      <ListTable<BusinessSummary>
        what="businesses"
        caption="Businesses"
        list={list}
        empty={<Empty title={search ? `No business matches “${search}”.` : 'No businesses yet.'} />}
        columns={[
          {
            title: 'Business',
            cell: (b) => (
              <button type="button" class="link" onClick={() => onOpen(b.id)}>
                {b.name}
              </button>
            ),
          },
          { title: 'Time zone', cell: (b) => b.timezone },
          { title: 'Numbers', cell: (b) => b.phone_numbers.join(', ') || '–' },
          { title: 'Created', cell: (b) => when(b.created_at) },
        ]}
      />
    </section>
  );
}

function CreateBusiness({ onOpen, onCreated }: { onOpen: (id: string) => void; onCreated: () => void }) {
  const [b, setB] = useState<NewBusiness>({ name: '', timezone: 'America/New_York', default_region: 'US', phone_numbers: [], owner_email: '' });
  const [created, setCreated] = useState<components['schemas']['CreatedBusiness'] | null>(null);
  const [copied, setCopied] = useState(false);
  const save = useSave<components['schemas']['CreatedBusiness']>(FIELDS);
  const set = (patch: Partial<NewBusiness>) => setB((current) => ({ ...current, ...patch }));
  if (created) {
    // The link is the only copy of the invitation (only its digest is stored): shown once, here.
    return (
      <section class="card" aria-labelledby="created-h">
        <h2 id="created-h">{created.business.name} is set up</h2>
        <p>
          Send this link to <strong>{created.owner.user.email}</strong> so they can choose a password. It works once, until{' '}
          {when(created.owner.invite_expires_at)}, and is not shown again.
        </p>
        <label class="field">
          <span class="label">Invitation link</span>
          <input readOnly value={created.owner.invite_url} onFocus={(e) => e.currentTarget.select()} />
        </label>
        <div class="actions">
          <button
            type="button"
            class="secondary"
            onClick={() => navigator.clipboard?.writeText(created.owner.invite_url).then(() => setCopied(true), () => setCopied(false))}
          >
            Copy the link
          </button>
          <button type="button" onClick={() => onOpen(created.business.id)}>
            Open {created.business.name}
          </button>
          <span role="status" class="saved">
            {copied ? 'Copied.' : ''}
          </span>
        </div>
      </section>
    );
  }
  return (
    <form
      class="card form-grid"
      noValidate
      aria-label="New business"
      onSubmit={(e) => {
        e.preventDefault();
        save.run(
          () => api.POST('/api/businesses', { body: b }),
          (done) => {
            setCreated(done);
            onCreated();
          },
          '',
        );
      }}
    >
      <Field label="Business name" name="name" error={save.error}>
        {(a) => <input {...a} required value={b.name} onInput={(e) => set({ name: e.currentTarget.value })} />}
      </Field>
      <Field label="Time zone" name="timezone" error={save.error}>
        {(a) => (
          <select {...a} value={b.timezone} onChange={(e) => set({ timezone: e.currentTarget.value })}>
            {ZONES.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Region" name="default_region" error={save.error} hint="Two letters (US, GB, …): how numbers without a country code are read.">
        {(a) => <input {...a} maxLength={2} value={b.default_region} onInput={(e) => set({ default_region: e.currentTarget.value.toUpperCase() })} />}
      </Field>
      <Field label="Phone numbers the agent answers" name="phone_numbers" error={save.error} hint="Comma-separated; each may belong to one business.">
        {(a) => (
          <input
            {...a}
            value={(b.phone_numbers ?? []).join(', ')}
            onChange={(e) =>
              set({
                phone_numbers: e.currentTarget.value
                  .split(',')
                  .map((x) => x.trim())
                  .filter(Boolean),
              })
            }
          />
        )}
      </Field>
      <Field label="Owner's email" name="owner_email" error={save.error} hint="They get an invitation to set their password.">
        {(a) => <input {...a} type="email" required value={b.owner_email} onInput={(e) => set({ owner_email: e.currentTarget.value })} />}
      </Field>
      <FormProblem error={save.error} fields={FIELDS} />
      <div class="actions">
        <button type="submit" disabled={save.busy}>
          {save.busy ? 'Creating…' : 'Create and invite the owner'}
        </button>
      </div>
    </form>
  );
}

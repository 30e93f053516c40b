// Project-management integrations: connect through the provider's consent, status, disconnect;
// the projects they bring and the clients they belong to.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { label, safeUrl, when } from '../format';
import { FilterBar } from '../ui/filters';
import { useKeyset } from '../ui/list';
import { must, useLoad } from '../ui/load';
import { Badge, Empty, Failure, FormProblem, Loading, PageHeader } from '../ui/parts';
import { ListTable } from '../ui/table';
import { useSave } from '../ui/save';

type Provider = components['schemas']['Provider'];
type Project = components['schemas']['ProjectSummary'];
const PAGE_SIZE = 25;
const PROVIDERS: [Provider, string][] = [
  ['jira', 'Jira'],
  ['asana', 'Asana'],
  ['monday', 'monday.com'],
];

export function Integrations() {
  const { businessId, business, canWrite } = useWorkspace();
  const { query } = useLocation();
  const loaded = useLoad(
    async () => ({ integrations: must(await api.GET('/api/businesses/{id}/integrations', { params: { path: { id: businessId } } })).integrations }),
    [businessId],
  );
  const connect = useSave<components['schemas']['ConnectLink']>([]);
  const disconnect = useSave<components['schemas']['Disconnected']>([]);
  // What the last disconnect did, and a key that makes the projects list read again (its
  // projects are now marked as history).
  const [disconnected, setDisconnected] = useState<{ name: string; warnings: string[] } | null>(null);
  const [projectsRead, setProjectsRead] = useState(0);
  // The consent's outcome, from the address it came back to; a disconnect since replaces it.
  const outcome = query.integration && query.status;
  const tz = business.timezone;

  return (
    <section>
      <PageHeader title="Integrations" />
      {outcome && !disconnected && (
        <p class={`callout ${query.status === 'connected' ? 'callout-ok' : 'callout-urgent'}`} role="status">
          {query.status === 'connected'
            ? `${label(query.integration)} is connected. Its projects sync in the background.`
            : `${label(query.integration)} was not connected${query.reason ? ` (${label(query.reason)})` : ''}. Try again, or check the app's permissions with the provider.`}
        </p>
      )}
      {disconnected && (
        <p class={`callout ${disconnected.warnings.length ? 'callout-urgent' : 'callout-ok'}`} role="status">
          {disconnected.name} is disconnected; its projects are kept as history.
          {disconnected.warnings.length > 0 && ` Not undone at ${disconnected.name}: ${disconnected.warnings.join('; ')}.`}
        </p>
      )}
      <FormProblem error={connect.error ?? disconnect.error} fields={[]} />
      {loaded.state === 'loading' && <Loading what="integrations" />}
      {loaded.state === 'error' && <Failure error={loaded.error} retry={loaded.reload} />}
      {loaded.state === 'ready' && (
        <>
          <div class="cards">
            {PROVIDERS.map(([provider, name]) => {
              const i = loaded.data.integrations.find((x) => x.provider === provider);
              return (
                <section class="card" key={provider} aria-labelledby={`int-${provider}`} data-provider={provider}>
                  <h2 id={`int-${provider}`}>{name}</h2>
                  {i ? (
                    <>
                      <p>
                        <Badge value={i.status} /> {i.tenant_name ?? i.tenant_id}
                      </p>
                      <dl class="facts">
                        <dt>Connected</dt>
                        <dd>{when(i.connected_at, tz)}</dd>
                        <dt>Last sync</dt>
                        <dd>{when(i.last_synced_at, tz)}</dd>
                        <dt>Projects</dt>
                        <dd>
                          {i.projects} ({i.tasks} tasks)
                        </dd>
                        {i.last_error && (
                          <>
                            <dt>Last error</dt>
                            <dd class="error-text">{i.last_error}</dd>
                          </>
                        )}
                      </dl>
                      {canWrite && (
                        <button
                          type="button"
                          class="secondary"
                          disabled={disconnect.busy}
                          onClick={() => {
                            if (!window.confirm(`Disconnect ${name}? Its projects are kept as history.`)) return;
                            setDisconnected(null);
                            disconnect.run(
                              () => api.DELETE('/api/businesses/{id}/integrations/{integrationId}', { params: { path: { id: businessId, integrationId: i.id } } }),
                              (result) => {
                                setDisconnected({ name, warnings: result.warnings });
                                setProjectsRead((n) => n + 1);
                                loaded.reload();
                              },
                              'Disconnected.',
                            );
                          }}
                        >
                          Disconnect
                        </button>
                      )}
                    </>
                  ) : (
                    <>
                      <p class="hint">Not connected.</p>
                      {canWrite && (
                        <button
                          type="button"
                          disabled={connect.busy}
                          onClick={() =>
                            connect.run(
                              () => api.GET('/api/integrations/{provider}/connect', { params: { path: { provider }, query: { business_id: businessId } } }),
                              (link) => window.location.assign(link.authorize_url),
                              'Opening…',
                            )
                          }
                        >
                          Connect {name}
                        </button>
                      )}
                    </>
                  )}
                </section>
              );
            })}
          </div>
          <Projects key={projectsRead} />
        </>
      )}
    </section>
  );
}

/** The business's projects, one page at a time, searched by name (`?project=` in the address). */
function Projects() {
  const { businessId, canWrite } = useWorkspace();
  const { query } = useLocation();
  const search = query.project?.trim() || undefined;
  const list = useKeyset(
    async (cursor) =>
      must(await api.GET('/api/businesses/{id}/projects', { params: { path: { id: businessId }, query: { search, limit: PAGE_SIZE, cursor } } })),
    `${businessId} ${search ?? ''}`,
  );
  return (
    <section class="card" aria-labelledby="projects-h">
      <h2 id="projects-h">Projects</h2>
      <FilterBar label="Search projects" active={!!search} submit="Search">
        <label>
          Project
          <input type="search" name="project" placeholder="Part of its name" value={search ?? ''} />
        </label>
      </FilterBar>
      <ListTable<Project>
        what="projects"
        caption="Projects"
        list={list}
        empty={
          <Empty title={search ? `No project matches “${search}”.` : 'No projects yet.'}>
            {!search && <p>Connect a tool above; its projects appear here{canWrite ? ' and can be linked to clients' : ''}.</p>}
          </Empty>
        }
        columns={[
          {
            title: 'Project',
            cell: (p) => (
              <>
                {safeUrl(p.url) ? (
                  <a href={safeUrl(p.url)!} rel="noopener noreferrer" target="_blank">
                    {p.name}
                  </a>
                ) : (
                  p.name
                )}
                {p.stale && <span class="hint"> (integration removed)</span>}
              </>
            ),
          },
          { title: 'From', cell: (p) => label(p.provider) },
          { title: 'Status', cell: (p) => label(p.provider_status || p.status) },
          { title: 'Client', cell: (p) => (p.client_id ? <a href={`/clients/${p.client_id}`}>Open client</a> : <span class="hint">Not linked</span>) },
        ]}
      />
    </section>
  );
}

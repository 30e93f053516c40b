import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api/client';
import { formError, type FormError } from '../api/errors';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { label } from '../format';
import { asFormError, must, useLoad } from '../ui/load';
import { Failure, Field, FormProblem, Loading, PageHeader, SaveBar } from '../ui/parts';

type ClientInput = components['schemas']['ClientInput'];
type Project = components['schemas']['ProjectSummary'];

const EMPTY: ClientInput = { name: '', company: null, email: null, notes: '', welcome_message: '', phone_numbers: [] };

export function ClientPage({ id }: { id: string }) {
  const { businessId } = useWorkspace();
  const isNew = id === 'new';
  const loaded = useLoad(async () => {
    if (isNew) return { client: EMPTY, linked: [] as Project[] };
    const path = { id: businessId, clientId: id };
    const [client, links] = await Promise.all([
      api.GET('/api/businesses/{id}/clients/{clientId}', { params: { path } }),
      api.GET('/api/businesses/{id}/clients/{clientId}/projects', { params: { path } }),
    ]);
    return { client: must(client) as ClientInput, linked: must(links).projects };
  }, [businessId, id]);
  if (loaded.state === 'loading') return <Loading what="the client" />;
  if (loaded.state === 'error') return <Failure error={loaded.error} retry={loaded.reload} />;
  return <ClientForm key={id} clientId={isNew ? null : id} {...loaded.data} />;
}

const FIELDS = ['name', 'company', 'email', 'phone_numbers', 'welcome_message', 'notes', 'pin'] as const;

function ClientForm(props: { clientId: string | null; client: ClientInput; linked: Project[] }) {
  const { businessId, canWrite } = useWorkspace();
  const { route, query } = useLocation();
  const [client, setClient] = useState<ClientInput>(props.client);
  const [numbers, setNumbers] = useState<string[]>(props.client.phone_numbers?.length ? props.client.phone_numbers : ['']);
  const [linked, setLinked] = useState<Set<string>>(new Set(props.linked.map((p) => p.id)));
  // The links as the server last said: a save sends the projects only when they changed, so
  // saving a name never rewrites a client's links (nor turns the matching rule's into an admin's).
  const [savedLinks, setSavedLinks] = useState<Project[]>(props.linked);
  const [error, setError] = useState<FormError | null>(
    query.links === 'failed'
      ? { field: null, code: 'links', status: 0, message: 'The client was created, but its projects were not linked: check them and save again.' }
      : null,
  );
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<ClientInput>) => setClient((current) => ({ ...current, ...patch }));
  const readOnly = !canWrite;

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const body: ClientInput = { ...client, phone_numbers: numbers.map((n) => n.trim()).filter(Boolean) };
      const answer = props.clientId
        ? await api.PUT('/api/businesses/{id}/clients/{clientId}', { params: { path: { id: businessId, clientId: props.clientId } }, body })
        : await api.POST('/api/businesses/{id}/clients', { params: { path: { id: businessId } }, body });
      if (!answer.data) {
        setError(formError(answer.response.status, answer.error, FIELDS));
        return;
      }
      const saved = answer.data;
      const before = new Set(savedLinks.map((p) => p.id));
      const changed = linked.size !== before.size || [...linked].some((id) => !before.has(id));
      const putLinks = () =>
        api.PUT('/api/businesses/{id}/clients/{clientId}/projects', {
          params: { path: { id: businessId, clientId: saved.id } },
          body: { project_ids: [...linked] },
        });
      if (!props.clientId) {
        // Created: from now on this is the client's page, so a second save cannot create it
        // again, even when linking its projects failed or could not reach the server.
        let linksSaved = true;
        if (changed) {
          try {
            linksSaved = (await putLinks()).data !== undefined;
          } catch {
            linksSaved = false;
          }
        }
        route(`/clients/${saved.id}${linksSaved ? '' : '?links=failed'}`, true);
        return;
      }
      const links = changed ? await putLinks() : null;
      if (links && !links.data) {
        setError(formError(links.response.status, links.error, []));
        return;
      }
      if (links?.data) setSavedLinks(links.data.projects);
      setClient(saved as ClientInput);
      setNumbers(saved.phone_numbers.length ? saved.phone_numbers : ['']);
      setSaved('Saved.');
    } catch (err) {
      setError(asFormError(err));
    } finally {
      setBusy(false);
    }
  }

  const text = (name: 'name' | 'company' | 'email', title: string, type = 'text') => (
    <Field label={title} name={name} error={error}>
      {(a) => (
        <input
          {...a}
          type={type}
          readOnly={readOnly}
          required={name === 'name'}
          value={client[name] ?? ''}
          onInput={(e) => set({ [name]: e.currentTarget.value || (name === 'name' ? '' : null) })}
        />
      )}
    </Field>
  );

  return (
    <article>
      <p class="crumbs">
        <a href="/clients">← Clients</a>
      </p>
      <PageHeader title={props.clientId ? client.name || 'Client' : 'New client'} />
      <form class="card form-grid" onSubmit={save} noValidate>
        {text('name', 'Name')}
        {text('company', 'Company')}
        {text('email', 'Email', 'email')}
        <fieldset class="field" aria-describedby="numbers-hint">
          <legend>Phone numbers</legend>
          <p class="hint" id="numbers-hint">
            The numbers this client calls from; the agent recognises them. With the country code, or local to the business's region.
          </p>
          {numbers.map((n, i) => (
            <div class="row" key={i}>
              <label class="visually-hidden" for={`phone-${i}`}>
                Phone number {i + 1}
              </label>
              <input
                id={`phone-${i}`}
                type="tel"
                readOnly={readOnly}
                value={n}
                aria-invalid={error?.field === 'phone_numbers' || undefined}
                onInput={(e) => {
                  const value = e.currentTarget.value;
                  setNumbers((current) => current.map((x, j) => (j === i ? value : x)));
                }}
              />
              {canWrite && numbers.length > 1 && (
                <button type="button" class="secondary" aria-label={`Remove phone number ${i + 1}`} onClick={() => setNumbers((current) => current.filter((_, j) => j !== i))}>
                  Remove
                </button>
              )}
            </div>
          ))}
          {error?.field === 'phone_numbers' && (
            <p class="field-error" data-field-error="phone_numbers">
              {error.message}
            </p>
          )}
          {canWrite && numbers.length < 10 && (
            <button type="button" class="secondary" onClick={() => setNumbers((current) => [...current, ''])}>
              Add a number
            </button>
          )}
        </fieldset>
        <Field
          label="Own greeting"
          name="welcome_message"
          error={error}
          hint="What this client hears first while you are open, e.g. “Hi {{caller_first_name}}, your order is on its way.” Empty: your usual greeting for clients."
        >
          {(a) => (
            <textarea
              {...a}
              rows={2}
              maxLength={1000}
              readOnly={readOnly}
              value={client.welcome_message ?? ''}
              onInput={(e) => set({ welcome_message: e.currentTarget.value })}
            />
          )}
        </Field>
        <Field label="Notes" name="notes" error={error} hint="What the agent may know about this client.">
          {(a) => <textarea {...a} rows={4} readOnly={readOnly} value={client.notes ?? ''} onInput={(e) => set({ notes: e.currentTarget.value })} />}
        </Field>
        <ProjectLinks clientId={props.clientId} linked={linked} saved={savedLinks} readOnly={readOnly} onChange={setLinked} />
        <FormProblem error={error} fields={FIELDS} />
        {canWrite && (
          <SaveBar busy={busy} saved={saved} label={props.clientId ? 'Save' : 'Create client'} />
        )}
      </form>
    </article>
  );
}

const FOUND_PAGE = 10;

/** The client's projects as checkboxes; others are found by name, a page at a time, and ticked to
 * link them (a business can have thousands of projects: they are never all listed). */
function ProjectLinks(props: { clientId: string | null; linked: Set<string>; saved: Project[]; readOnly: boolean; onChange: (next: Set<string>) => void }) {
  const { businessId } = useWorkspace();
  // Every project shown so far, so one unticked (or found) stays on screen until the page is left.
  const [shown, setShown] = useState<Project[]>(props.saved);
  // After a save, the server's word on the client's projects replaces what was shown of them.
  useEffect(() => setShown((current) => merge(current, props.saved, true)), [props.saved]);
  const [search, setSearch] = useState('');
  const [finding, setFinding] = useState<{ busy: boolean; note: string | null }>({ busy: false, note: null });

  async function find() {
    const words = search.trim();
    if (!words || finding.busy) return;
    setFinding({ busy: true, note: null });
    try {
      const page = must(await api.GET('/api/businesses/{id}/projects', { params: { path: { id: businessId }, query: { search: words, limit: FOUND_PAGE } } }));
      setShown((current) => merge(current, page.items, false));
      const note =
        page.items.length === 0
          ? `No project matches “${words}”.`
          : page.next_cursor
            ? `The first ${FOUND_PAGE} matches are shown: type more of the name to narrow them.`
            : `${page.items.length} found.`;
      setFinding({ busy: false, note });
    } catch (err) {
      setFinding({ busy: false, note: asFormError(err).message });
    }
  }

  return (
    <fieldset class="field" aria-describedby="projects-hint">
      <legend>Projects</legend>
      <p class="hint" id="projects-hint">
        The projects the agent may talk about with this client. Ticked ones are linked when you save.
      </p>
      {shown.length === 0 ? (
        <p class="hint">No projects linked.</p>
      ) : (
        <ul class="plain checks">
          {shown.map((p) => (
            <li key={p.id}>
              <label>
                <input
                  type="checkbox"
                  disabled={props.readOnly}
                  checked={props.linked.has(p.id)}
                  onChange={(e) => {
                    const next = new Set(props.linked);
                    if (e.currentTarget.checked) next.add(p.id);
                    else next.delete(p.id);
                    props.onChange(next);
                  }}
                />{' '}
                {p.name}{' '}
                <span class="hint">
                  ({label(p.provider)}, {label(p.status)}
                  {/* A project has one client: ticking another client's moves it here. */}
                  {p.client_id && p.client_id !== props.clientId ? ', now another client’s' : ''})
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {!props.readOnly && (
        <div class="row">
          <label class="visually-hidden" for="project-search">
            Find a project
          </label>
          <input
            id="project-search"
            type="search"
            placeholder="Find a project by name"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
            onKeyDown={(e) => {
              // Enter finds; it must not submit the client's form.
              if (e.key === 'Enter') {
                e.preventDefault();
                void find();
              }
            }}
          />
          <button type="button" class="secondary" disabled={finding.busy} onClick={() => void find()}>
            Find
          </button>
        </div>
      )}
      {finding.note && (
        <p class="hint" role="status">
          {finding.note}
        </p>
      )}
    </fieldset>
  );
}

/** `shown` with `more` added after it; with `replace`, a project already shown takes `more`'s copy. */
function merge(shown: Project[], more: Project[], replace: boolean): Project[] {
  const fresh = new Map(more.map((p) => [p.id, p]));
  const kept = shown.map((p) => (replace ? (fresh.get(p.id) ?? p) : p));
  const known = new Set(shown.map((p) => p.id));
  return [...kept, ...more.filter((p) => !known.has(p.id))];
}

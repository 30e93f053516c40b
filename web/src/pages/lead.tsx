import { useState } from 'preact/hooks';
import { api } from '../api/client';
import { formError, type FormError } from '../api/errors';
import { assigneeChoices } from '../assignees';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { duration, label, phone, when } from '../format';
import { asFormError, must, useLoad } from '../ui/load';
import { Badge, Failure, Field, FormProblem, Loading, PageHeader, SaveBar } from '../ui/parts';
import { LEAD_STATUSES } from './leads';

type Lead = components['schemas']['Lead'];
type LeadStatus = components['schemas']['LeadStatus'];

export function LeadPage({ id }: { id: string }) {
  const { businessId } = useWorkspace();
  const loaded = useLoad(async () => {
    const path = { id: businessId, leadId: id };
    const [lead, users, calls] = await Promise.all([
      api.GET('/api/businesses/{id}/leads/{leadId}', { params: { path } }),
      api.GET('/api/businesses/{id}/users', { params: { path: { id: businessId } } }),
      api.GET('/api/businesses/{id}/calls', { params: { path: { id: businessId }, query: { lead_id: id, limit: 20 } } }),
    ]);
    const callPage = must(calls);
    return { lead: must(lead), users: must(users).users, calls: callPage.items, moreCalls: !!callPage.next_cursor };
  }, [businessId, id]);
  if (loaded.state === 'loading') return <Loading what="the lead" />;
  if (loaded.state === 'error') return <Failure error={loaded.error} retry={loaded.reload} />;
  return <LeadView key={loaded.data.lead.updated_at} {...loaded.data} />;
}

function LeadView({
  lead: initial,
  users,
  calls,
  moreCalls,
}: {
  lead: Lead;
  users: components['schemas']['UserView'][];
  calls: components['schemas']['CallSummary'][];
  moreCalls: boolean;
}) {
  const { businessId, business } = useWorkspace();
  const [lead, setLead] = useState(initial);
  const [status, setStatus] = useState<LeadStatus>(initial.status as LeadStatus);
  const [assignee, setAssignee] = useState(initial.assignee_user_id ?? '');
  const [notes, setNotes] = useState(initial.notes);
  const [error, setError] = useState<FormError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fields = ['status', 'assignee_user_id', 'notes'] as const;
  const answers = Object.entries(lead.answers);
  const tz = business.timezone;

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const answer = await api.PATCH('/api/businesses/{id}/leads/{leadId}', {
        params: { path: { id: businessId, leadId: lead.id } },
        body: { status, assignee_user_id: assignee || null, notes },
      });
      if (answer.data) {
        setLead(answer.data);
        setSaved('Saved.');
      } else {
        setError(formError(answer.response.status, answer.error, fields));
      }
    } catch (err) {
      setError(asFormError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <article>
      <p class="crumbs">
        <a href="/leads">← Leads</a>
      </p>
      <PageHeader title={lead.contact_name ?? lead.email ?? phone(lead.caller_phone)}>
        <Badge value={lead.priority} /> <Badge value={lead.status} />
      </PageHeader>
      <div class="two-col">
        <section class="card" aria-labelledby="contact-h">
          <h2 id="contact-h">Contact</h2>
          <dl class="facts">
            <dt>Name</dt>
            <dd>{lead.contact_name ?? '–'}</dd>
            <dt>Email</dt>
            <dd>{lead.email ? <a href={`mailto:${lead.email}`}>{lead.email}</a> : '–'}</dd>
            <dt>Phone</dt>
            <dd>{lead.phone ?? lead.caller_phone ? <a href={`tel:${lead.phone ?? lead.caller_phone}`}>{phone(lead.phone ?? lead.caller_phone)}</a> : '–'}</dd>
            <dt>Company</dt>
            <dd>{lead.company ?? '–'}</dd>
            <dt>Came in</dt>
            <dd>{when(lead.created_at, tz)}</dd>
          </dl>
          {lead.urgency_reasons.length > 0 && (
            <>
              <h3>Why it is {lead.priority}</h3>
              <ul>
                {lead.urgency_reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </>
          )}
        </section>
        <form class="card" onSubmit={save} aria-labelledby="work-h">
          <h2 id="work-h">Follow-up</h2>
          <Field label="Status" name="status" error={error}>
            {(a) => (
              <select {...a} value={status} onChange={(e) => setStatus(e.currentTarget.value as LeadStatus)}>
                {LEAD_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {label(s)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Assigned to" name="assignee_user_id" error={error}>
            {(a) => (
              <select {...a} value={assignee} onChange={(e) => setAssignee(e.currentTarget.value)}>
                <option value="">Nobody</option>
                {assigneeChoices(users, lead.assignee_user_id).map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.text}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Notes" name="notes" error={error}>
            {(a) => <textarea {...a} rows={5} maxLength={10000} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />}
          </Field>
          <FormProblem error={error} fields={fields} />
          <SaveBar busy={busy} saved={saved} />
        </form>
      </div>
      <section class="card" aria-labelledby="answers-h">
        <h2 id="answers-h">Answers</h2>
        {answers.length === 0 ? (
          <p class="hint">The caller answered no qualification questions.</p>
        ) : (
          <table class="list compact">
            <thead>
              <tr>
                <th scope="col">Question</th>
                <th scope="col">Recorded</th>
                <th scope="col">As said</th>
                <th scope="col">Check</th>
              </tr>
            </thead>
            <tbody>
              {answers.map(([key, a]) => (
                <tr key={key}>
                  <th scope="row" data-label="Question">
                    {label(key)}
                  </th>
                  <td data-label="Recorded">{a.range ? `${a.range.low} – ${a.range.high}` : (a.value ?? '–')}</td>
                  <td data-label="As said">{a.raw ? `“${a.raw}”` : '–'}</td>
                  <td data-label="Check">
                    {a.valid === false ? (
                      <span class="badge badge-invalid" title={a.problem ?? undefined}>
                        Invalid{a.problem ? `: ${a.problem}` : ''}
                      </span>
                    ) : (
                      <span class="badge badge-valid">Valid</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card" aria-labelledby="calls-h">
        <h2 id="calls-h">Calls</h2>
        {calls.length === 0 ? (
          <p class="hint">No calls are linked to this lead.</p>
        ) : (
          <ul class="plain">
            {calls.map((c) => (
              <li key={c.id}>
                <a href={`/calls/${c.id}`}>{when(c.started_at ?? c.created_at, tz)}</a> · {c.summary_title ?? label(c.status)} · {duration(c.duration_secs)}
              </li>
            ))}
          </ul>
        )}
        {calls.length > 0 && (
          <p>
            <a href={`/calls?lead=${encodeURIComponent(lead.id)}`}>{moreCalls ? `The latest ${calls.length} are shown: all of this lead’s calls` : 'In the calls list'}</a>
          </p>
        )}
      </section>
    </article>
  );
}

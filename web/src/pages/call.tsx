import { Fragment } from 'preact';
import { api } from '../api/client';
import { useWorkspace } from '../context';
import { duration, label, money, phone, when } from '../format';
import { conversation, type Line } from '../transcript';
import { must, useLoad } from '../ui/load';
import { Badge, Empty, Failure, Loading, PageHeader } from '../ui/parts';

const SUMMARY_SOURCES: Record<string, string> = {
  elevenlabs: 'Written by ElevenLabs at the end of the call.',
  openai: 'Written by OpenAI from the transcript.',
  extractive: 'Taken from the transcript (no summary service answered).',
};

export function CallPage({ id }: { id: string }) {
  const { businessId, business } = useWorkspace();
  const call = useLoad(
    async () => must(await api.GET('/api/businesses/{id}/calls/{callId}', { params: { path: { id: businessId, callId: id } } })),
    [businessId, id],
  );
  if (call.state === 'loading') return <Loading what="the call" />;
  if (call.state === 'error') return <Failure error={call.error} retry={call.reload} />;
  const c = call.data;
  const tz = business.timezone;
  const lines = conversation(c.transcript);
  const caller = c.direction === 'outbound' ? c.to_phone : c.from_phone;
  return (
    <article>
      <p class="crumbs">
        <a href="/calls">← Calls</a>
      </p>
      <PageHeader title={c.summary_title ?? `Call from ${phone(caller)}`} />
      <div class="two-col">
        <section class="card" aria-labelledby="facts-h">
          <h2 id="facts-h">The call</h2>
          <dl class="facts">
            <dt>Caller</dt>
            <dd>{phone(caller)}</dd>
            <dt>Started</dt>
            <dd>{when(c.started_at ?? c.created_at, tz)}</dd>
            <dt>Duration</dt>
            <dd>{duration(c.duration_secs)}</dd>
            <dt>Status</dt>
            <dd>
              <Badge value={c.status} /> {c.call_successful && <Badge value={c.call_successful} tone={`outcome-${c.call_successful}`} />}
            </dd>
            <dt>Ended because</dt>
            <dd>{c.termination_reason ?? '–'}</dd>
            <dt>Cost</dt>
            <dd>{[c.cost.amount != null ? money(c.cost.amount, c.cost.currency) : null, c.cost.credits != null ? `${c.cost.credits.toLocaleString('en-US')} credits` : null].filter(Boolean).join(' · ') || '–'}</dd>
            {c.lead_id && (
              <>
                <dt>Lead</dt>
                <dd>
                  <a href={`/leads/${c.lead_id}`}>Open the lead</a>
                </dd>
              </>
            )}
            {c.client_id && (
              <>
                <dt>Client</dt>
                <dd>
                  <a href={`/clients/${c.client_id}`}>Open the client</a>
                </dd>
              </>
            )}
            {c.failure_reason && (
              <>
                <dt>Failure</dt>
                <dd class="error-text">{c.failure_reason}</dd>
              </>
            )}
          </dl>
        </section>
        <section class="card" aria-labelledby="summary-h">
          <h2 id="summary-h">Summary</h2>
          {c.summary ? <p>{c.summary}</p> : <p class="hint">No summary yet.</p>}
          {c.summary_source && <p class="hint">{SUMMARY_SOURCES[c.summary_source] ?? `Written by ${label(c.summary_source)}.`}</p>}
        </section>
      </div>
      {c.messages.length > 0 && (
        <section class="card" aria-labelledby="messages-h">
          <h2 id="messages-h">Messages taken</h2>
          <ul class="plain">
            {c.messages.map((m) => (
              <li key={m.id} class="message">
                <p>“{m.message}”</p>
                <p class="hint">
                  {m.caller_name ?? 'Caller'}
                  {m.callback_phone ? ` · call back on ${phone(m.callback_phone)}` : m.callback_raw ? ` · call back: ${m.callback_raw}` : ''}
                  {m.preferred_time ? ` · ${m.preferred_time}` : ''}
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}
      <Analysis analysis={c.analysis} />
      <section class="card" aria-labelledby="transcript-h">
        <h2 id="transcript-h">Transcript</h2>
        {lines.length === 0 ? <Empty title="No transcript for this call." /> : <Transcript lines={lines} />}
      </section>
    </article>
  );
}

interface Judged {
  result?: unknown;
  value?: unknown;
  rationale?: unknown;
}

/** ElevenLabs' judgement of the call: its evaluation criteria and the data it collected. */
function Analysis({ analysis }: { analysis: unknown }) {
  const a = (analysis ?? {}) as Record<string, unknown>;
  const criteria = Object.entries((a.evaluation_criteria_results ?? {}) as Record<string, Judged>);
  const data = Object.entries((a.data_collection_results ?? {}) as Record<string, Judged>).filter(([, d]) => d?.value != null && d.value !== '');
  if (criteria.length === 0 && data.length === 0) return null;
  return (
    <section class="card" aria-labelledby="analysis-h">
      <h2 id="analysis-h">Analysis</h2>
      {criteria.length > 0 && (
        <ul class="plain">
          {criteria.map(([id, c]) => (
            <li key={id}>
              <strong>{label(id)}</strong> <Badge value={String(c?.result ?? 'unknown')} tone={`outcome-${String(c?.result ?? '')}`} />
              {typeof c?.rationale === 'string' && <p class="hint">{c.rationale}</p>}
            </li>
          ))}
        </ul>
      )}
      {data.length > 0 && (
        <>
          <h3>Collected</h3>
          <dl class="facts">
            {data.map(([id, d]) => (
              <Fragment key={id}>
                <dt>{label(id)}</dt>
                <dd>{String(d.value)}</dd>
              </Fragment>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}

function Transcript({ lines }: { lines: Line[] }) {
  return (
    <ol class="transcript">
      {lines.map((l, i) =>
        l.kind === 'say' ? (
          <li key={i} class={`turn turn-${l.speaker}`}>
            <span class="who">{l.speaker === 'agent' ? 'Agent' : 'Caller'}</span>
            {l.at != null && <span class="at">{duration(l.at)}</span>}
            <p>
              {l.text}
              {l.interrupted && <em class="hint"> (interrupted)</em>}
            </p>
          </li>
        ) : (
          <li key={i} class={`turn turn-tool${l.failed ? ' turn-failed' : ''}`}>
            <details>
              <summary>
                Tool <code>{l.name}</code>
                {l.failed ? ' failed' : ''}
                {l.at != null && <span class="at">{duration(l.at)}</span>}
              </summary>
              <h3>Sent</h3>
              <pre>{l.params}</pre>
              <h3>Answer</h3>
              <pre>{l.result ?? '–'}</pre>
            </details>
          </li>
        ),
      )}
    </ol>
  );
}

import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { duration, label, money, when } from '../format';
import { must, useLoad } from '../ui/load';
import { Badge, Failure, Loading, PageHeader } from '../ui/parts';

type Period = components['schemas']['Period'];

export function Overview() {
  const { businessId, business } = useWorkspace();
  const overview = useLoad(async () => must(await api.GET('/api/businesses/{id}/overview', { params: { path: { id: businessId } } })), [businessId]);
  if (overview.state === 'loading') return <Loading what="the overview" />;
  if (overview.state === 'error') return <Failure error={overview.error} retry={overview.reload} />;
  const o = overview.data;
  const tz = o.timezone;
  return (
    <section>
      <PageHeader title="Overview" />
      {o.urgent_leads_waiting > 0 && (
        <p class="callout callout-urgent">
          <strong>{o.urgent_leads_waiting}</strong> urgent {o.urgent_leads_waiting === 1 ? 'lead is' : 'leads are'} waiting for a call back.{' '}
          <a href="/leads?priority=urgent&status=new">See them</a>
        </p>
      )}
      <div class="periods">
        <PeriodFigures title="Today" period={o.today} />
        <PeriodFigures title="Last 7 days" period={o.last_7_days} />
      </div>
      <div class="two-col">
        <section class="card" aria-labelledby="agent-h">
          <h2 id="agent-h">Agent</h2>
          <p>
            <Badge value={o.agent.state} />{' '}
            {o.agent.state === 'in_sync' && <>Synced {when(o.agent.synced_at, tz)}.</>}
            {o.agent.state === 'out_of_date' && <>Changed {when(o.agent.changed_at, tz)}, after the last sync.</>}
            {o.agent.state === 'not_synced' && <>Not yet on ElevenLabs.</>}
          </p>
          {o.agent.state !== 'in_sync' && <a href="/agent">Review and sync the agent</a>}
        </section>
        <section class="card" aria-labelledby="int-h">
          <h2 id="int-h">Integrations</h2>
          {o.integrations.length === 0 ? (
            <p>
              None connected. <a href="/integrations">Connect Jira, Asana or monday</a> so callers hear their project status.
            </p>
          ) : (
            <ul class="plain">
              {o.integrations.map((i) => (
                <li key={i.provider}>
                  <strong>{label(i.provider)}</strong> <Badge value={i.status} />{' '}
                  {i.last_error ? <span class="error-text">{i.last_error}</span> : <>last sync {when(i.last_synced_at, tz)}</>}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <p class="hint">Times in {business.timezone}.</p>
    </section>
  );
}

function PeriodFigures({ title, period }: { title: string; period: Period }) {
  const cost = period.costs.length ? period.costs.map((c) => money(c.amount, c.currency)).join(' + ') : '–';
  const figures: [string, string][] = [
    ['Calls answered', String(period.calls_answered)],
    ['Missed or failed', String(period.calls_missed_or_failed)],
    ['After hours', String(period.after_hours_calls)],
    ['Average duration', duration(period.average_duration_secs)],
    ['New leads', String(period.new_leads)],
    ['Cost', period.cost_credits ? `${cost} · ${period.cost_credits.toLocaleString('en-US')} credits` : cost],
  ];
  const id = `period-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <dl class="figures">
        {figures.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

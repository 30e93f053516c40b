// Opening hours, holidays, time zone, where calls are transferred and who is notified: the
// business profile the agent works from.
import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { phone } from '../format';
import { must, useLoad } from '../ui/load';
import { Failure, Field, FormProblem, Loading, SaveBar } from '../ui/parts';
import { useSave } from '../ui/save';

type Business = components['schemas']['Business'];
type BusinessInput = components['schemas']['BusinessInput'];
type Interval = components['schemas']['Interval'];
type Holiday = components['schemas']['Holiday'];
type TransferNumber = components['schemas']['TransferNumberInput'];
type BusinessHours = components['schemas']['BusinessHours'];
const DAYS = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
] as const;
const FIELDS = ['name', 'timezone', 'default_region', 'business_hours', 'notification_emails', 'notification_phone', 'transfer_numbers'];
const ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

export function HoursAndRouting() {
  const { businessId } = useWorkspace();
  const loaded = useLoad(async () => must(await api.GET('/api/businesses/{id}', { params: { path: { id: businessId } } })), [businessId]);
  if (loaded.state === 'loading') return <Loading what="the business" />;
  if (loaded.state === 'error') return <Failure error={loaded.error} retry={loaded.reload} />;
  return <BusinessForm initial={loaded.data} />;
}

function BusinessForm({ initial }: { initial: Business }) {
  const { businessId, canWrite, reloadBusiness } = useWorkspace();
  const [b, setB] = useState<BusinessInput>(initial);
  const save = useSave<Business>(FIELDS);
  const set = (patch: Partial<BusinessInput>) => setB((current) => ({ ...current, ...patch }));
  const weekly = b.business_hours?.weekly ?? {};
  const holidays = b.business_hours?.holidays ?? [];
  // Nested parts of the document change from the latest state, not the render's copy.
  const setHours = (change: (h: BusinessHours) => BusinessHours) =>
    setB((current) => ({ ...current, business_hours: change(current.business_hours ?? {}) }));
  const setDay = (day: string, change: (list: Interval[]) => Interval[]) =>
    setHours((h) => ({ ...h, weekly: { ...(h.weekly ?? {}), [day]: change(h.weekly?.[day] ?? []) } }));
  const setTransfers = (change: (list: TransferNumber[]) => TransferNumber[]) =>
    setB((current) => ({ ...current, transfer_numbers: change(current.transfer_numbers ?? []) }));
  const editTransfer = (i: number, patch: Partial<TransferNumber>) =>
    setTransfers((list) => list.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  const setHolidays = (change: (list: Holiday[]) => Holiday[]) => setHours((h) => ({ ...h, holidays: change(h.holidays ?? []) }));
  const transfers = b.transfer_numbers ?? [];
  const emails = b.notification_emails ?? [];
  const ro = !canWrite;

  return (
    <form
      class="card form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.run(
          () => api.PUT('/api/businesses/{id}', { params: { path: { id: businessId } }, body: b }),
          (d) => {
            setB(d);
            reloadBusiness();
          },
        );
      }}
    >
      <Field label="Business name" name="name" error={save.error}>
        {(a) => <input {...a} readOnly={ro} value={b.name} onInput={(e) => set({ name: e.currentTarget.value })} />}
      </Field>
      <Field label="Time zone" name="timezone" error={save.error} hint="Opening hours and every time on the dashboard are in this zone.">
        {(a) => (
          <select {...a} disabled={ro} value={b.timezone} onChange={(e) => set({ timezone: e.currentTarget.value })}>
            {!ZONES.includes(b.timezone) && <option value={b.timezone}>{b.timezone}</option>}
            {ZONES.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset class="field" data-field="business_hours">
        <legend>Opening hours</legend>
        <p class="hint">A day with no hours is closed. A closing time before the opening time ends the next day.</p>
        {DAYS.map(([day, name]) => {
          const intervals = weekly[day] ?? [];
          return (
            <div class="day" key={day}>
              <span class="day-name">{name}</span>
              {intervals.length === 0 && <span class="hint">Closed</span>}
              {intervals.map((iv, i) => (
                <span class="interval" key={i}>
                  <label>
                    <span class="visually-hidden">{name} opens</span>
                    <input type="time" readOnly={ro} value={iv.open} onInput={(e) => {
                        const open = e.currentTarget.value;
                        setDay(day, (list) => list.map((x, j) => (j === i ? { ...x, open } : x)));
                      }} />
                  </label>
                  –
                  <label>
                    <span class="visually-hidden">{name} closes</span>
                    <input type="time" readOnly={ro} value={iv.close} onInput={(e) => {
                        const close = e.currentTarget.value;
                        setDay(day, (list) => list.map((x, j) => (j === i ? { ...x, close } : x)));
                      }} />
                  </label>
                  {canWrite && (
                    <button type="button" class="secondary" aria-label={`Remove ${name} hours ${i + 1}`} onClick={() => setDay(day, (list) => list.filter((_, j) => j !== i))}>
                      ×
                    </button>
                  )}
                </span>
              ))}
              {canWrite && (
                <button type="button" class="link" onClick={() => setDay(day, (list) => [...list, { open: '09:00', close: '17:00' }])}>
                  Add hours<span class="visually-hidden"> on {name}</span>
                </button>
              )}
            </div>
          );
        })}
        <h3>Holidays</h3>
        {holidays.map((h, i) => (
          <div class="row" key={i}>
            <label>
              <span class="visually-hidden">Holiday {i + 1} date</span>
              <input
                type="date"
                readOnly={ro}
                value={h.date}
                onInput={(e) => {
                  const date = e.currentTarget.value;
                  setHolidays((list) => list.map((x, j) => (j === i ? { ...x, date } : x)));
                }}
              />
            </label>
            <label class="grow">
              <span class="visually-hidden">Holiday {i + 1} name</span>
              <input
                readOnly={ro}
                placeholder="Name (optional)"
                value={h.name ?? ''}
                onInput={(e) => {
                  const name = e.currentTarget.value || null;
                  setHolidays((list) => list.map((x, j) => (j === i ? { ...x, name } : x)));
                }}
              />
            </label>
            {canWrite && (
              <button type="button" class="secondary" aria-label={`Remove holiday ${i + 1}`} onClick={() => setHolidays((list) => list.filter((_, j) => j !== i))}>
                Remove
              </button>
            )}
          </div>
        ))}
        {canWrite && (
          <button type="button" class="secondary" onClick={() => setHolidays((list) => [...list, { date: '', name: null }])}>
            Add a holiday
          </button>
        )}
        {save.error?.field === 'business_hours' && <p class="field-error">{save.error.message}</p>}
      </fieldset>
      <fieldset class="field" data-field="transfer_numbers">
        <legend>Transfers</legend>
        <p class="hint">Where the agent puts a caller through, and when.</p>
        {transfers.map((t, i) => (
          <div class="transfer" key={i}>
            <label>
              Number
              <input type="tel" readOnly={ro} value={t.phone} onInput={(e) => editTransfer(i, { phone: e.currentTarget.value })} />
            </label>
            <label>
              Label
              <input readOnly={ro} value={t.label ?? ''} onInput={(e) => editTransfer(i, { label: e.currentTarget.value })} />
            </label>
            <label class="wide">
              When
              <input
                readOnly={ro}
                value={t.condition}
                placeholder="the caller asks for a person"
                onInput={(e) => editTransfer(i, { condition: e.currentTarget.value })}
              />
            </label>
            {canWrite && (
              <button type="button" class="secondary" aria-label={`Remove transfer ${i + 1}`} onClick={() => setTransfers((list) => list.filter((_, j) => j !== i))}>
                Remove
              </button>
            )}
          </div>
        ))}
        {canWrite && (
          <button type="button" class="secondary" onClick={() => setTransfers((list) => [...list, { phone: '', label: '', condition: '' }])}>
            Add a transfer number
          </button>
        )}
        {save.error?.field === 'transfer_numbers' && <p class="field-error">{save.error.message}</p>}
      </fieldset>
      <Field label="Notification emails" name="notification_emails" error={save.error} hint="One per line; they get each new lead and message.">
        {(a) => (
          <textarea
            {...a}
            rows={3}
            readOnly={ro}
            value={emails.join('\n')}
            onInput={(e) =>
              set({
                notification_emails: e.currentTarget.value
                  .split('\n')
                  .map((x) => x.trim())
                  .filter(Boolean),
              })
            }
          />
        )}
      </Field>
      <Field label="Notification phone (texts for urgent leads)" name="notification_phone" error={save.error}>
        {(a) => <input {...a} type="tel" readOnly={ro} value={b.notification_phone ?? ''} onInput={(e) => set({ notification_phone: e.currentTarget.value || null })} />}
      </Field>
      <div class="field">
        <span class="label">Numbers that ring this agent</span>
        <ul class="plain">
          {(initial.phone_numbers ?? []).map((n) => (
            <li key={n.phone}>
              {phone(n.phone)} {n.label && <span class="hint">({n.label})</span>}
            </li>
          ))}
        </ul>
      </div>
      <FormProblem error={save.error} fields={FIELDS} />
      {canWrite && (
        <SaveBar busy={save.busy} saved={save.saved} />
      )}
    </form>
  );
}

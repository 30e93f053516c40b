// Greetings, persona, voice, language and model: the agent configuration form, its preview on the
// unsaved values, and the sync to ElevenLabs.
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { label, when } from '../format';
import { insertPlaceholder, unknownPlaceholders } from '../placeholders';
import { Field, FormProblem } from '../ui/parts';
import { useSave } from '../ui/save';

type AgentConfig = components['schemas']['AgentConfig'];
type AgentConfigInput = components['schemas']['AgentConfigInput'];
type Options = components['schemas']['AgentOptions'];
type Voice = components['schemas']['VoiceOption'];
type Preview = components['schemas']['Preview'];
type SyncReport = components['schemas']['SyncReport'];

const TEXTS = [
  ['welcome_message', 'Greeting for new callers', 2],
  ['client_welcome_message', 'Greeting for known clients', 2],
  ['after_hours_message', 'After hours, new callers', 2],
  ['client_after_hours_message', 'After hours, known clients', 2],
  ['holiday_message', 'On holidays, new callers', 2],
  ['client_holiday_message', 'On holidays, known clients', 2],
  ['persona_prompt', 'Persona and instructions', 10],
] as const;
type TextField = (typeof TEXTS)[number][0];
const VOICE_SLOTS = [
  ['voice_id', 'Voice for every call', 'Wins over the two below when set.'],
  ['new_caller_voice_id', 'Voice for new callers', ''],
  ['existing_client_voice_id', 'Voice for known clients', ''],
] as const;
const SLIDERS = [
  ['stability', 'Stability', 'Lower is more expressive, higher more even.'],
  ['similarity_boost', 'Similarity', 'How closely the voice keeps to the original.'],
  ['speed', 'Speed', '1 is normal speaking speed.'],
] as const;
const FIELDS = [...TEXTS.map(([f]) => f), ...VOICE_SLOTS.map(([f]) => f), ...SLIDERS.map(([f]) => f), 'language', 'llm', 'unverified_caller_access', 'faq'];

export function VoiceAndWords({ config, options }: { config: AgentConfig; options: Options }) {
  const { businessId, canWrite } = useWorkspace();
  const [form, setForm] = useState<AgentConfigInput>(toInput(config));
  const [previews, setPreviews] = useState<Preview[] | null>(null);
  const [report, setReport] = useState<SyncReport | null>(null);
  const focused = useRef<{ field: TextField; el: HTMLTextAreaElement } | null>(null);
  const save = useSave<AgentConfig>(FIELDS);
  const preview = useSave<components['schemas']['AgentPreview']>(FIELDS);
  const sync = useSave<SyncReport>([]);
  const set = (patch: Partial<AgentConfigInput>) => setForm((current) => ({ ...current, ...patch }));
  const known = options.placeholders.map((p) => p.name);
  const path = { params: { path: { id: businessId } } };

  function insert(name: string) {
    const target = focused.current;
    if (!target) return;
    const current = (form[target.field] as string | undefined) ?? '';
    const { value, caret } = insertPlaceholder(current, target.el.selectionStart, target.el.selectionEnd, name);
    set({ [target.field]: value });
    requestAnimationFrame(() => {
      target.el.focus();
      target.el.setSelectionRange(caret, caret);
    });
  }

  return (
    <div class="agent-grid">
      <form
        class="card"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.run(() => api.PUT('/api/businesses/{id}/agent-config', { ...path, body: form }), (c) => setForm(toInput(c)));
        }}
      >
        <h2>What the agent says</h2>
        <div class="placeholder-bar" role="group" aria-label="Insert a variable into the focused text">
          <span class="hint">Variables:</span>
          {options.placeholders.map((p) => (
            <button type="button" class="chip" key={p.name} title={p.description} disabled={!canWrite} onMouseDown={(e) => e.preventDefault()} onClick={() => insert(p.name)}>
              {`{{${p.name}}}`}
            </button>
          ))}
        </div>
        {TEXTS.map(([field, title, rows]) => {
          const value = (form[field] as string | undefined) ?? '';
          const unknown = unknownPlaceholders(value, known);
          return (
            <Field key={field} label={title} name={field} error={save.error ?? preview.error}>
              {(a) => (
                <>
                  <textarea
                    {...a}
                    rows={rows}
                    readOnly={!canWrite}
                    value={value}
                    onFocus={(e) => (focused.current = { field, el: e.currentTarget })}
                    onInput={(e) => set({ [field]: e.currentTarget.value })}
                  />
                  {unknown.length > 0 && (
                    <p class="field-warning" role="status">
                      Unknown variable{unknown.length > 1 ? 's' : ''}: {unknown.map((u) => `{{${u}}}`).join(', ')}
                    </p>
                  )}
                </>
              )}
            </Field>
          );
        })}
        <Field
          label="Frequently asked questions"
          name="faq"
          hint="Short answers the agent always knows, up to 2,000 characters. Longer material goes in the knowledge base, which the agent searches."
          error={save.error ?? preview.error}
        >
          {(a) => <textarea {...a} rows={5} maxLength={2000} readOnly={!canWrite} value={form.faq ?? ''} onInput={(e) => set({ faq: e.currentTarget.value })} />}
        </Field>
        <h2>How it sounds</h2>
        <VoicePicker voices={options.voices} error={options.voices_error ?? null} form={form} set={set} disabled={!canWrite} saveError={save.error} />
        {SLIDERS.map(([field, title, hint]) => {
          const range = options.ranges[field];
          const value = form[field] ?? range.min;
          return (
            <Field key={field} label={`${title}: ${value.toFixed(2)}`} name={field} hint={hint} error={save.error}>
              {(a) => (
                <input
                  {...a}
                  type="range"
                  min={range.min}
                  max={range.max}
                  step={range.step}
                  disabled={!canWrite}
                  value={value}
                  onInput={(e) => set({ [field]: Number(e.currentTarget.value) })}
                />
              )}
            </Field>
          );
        })}
        <Field label="Language" name="language" error={save.error}>
          {(a) => (
            <select {...a} disabled={!canWrite} value={form.language} onChange={(e) => set({ language: e.currentTarget.value })}>
              {options.languages.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Language model" name="llm" error={save.error} hint="The model ElevenLabs runs the conversation with.">
          {(a) => (
            <select {...a} disabled={!canWrite} value={form.llm ?? options.default_llm} onChange={(e) => set({ llm: e.currentTarget.value })}>
              {options.llms.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Callers known by their number alone hear" name="unverified_caller_access" error={save.error}>
          {(a) => (
            <select
              {...a}
              disabled={!canWrite}
              value={form.unverified_caller_access ?? 'name'}
              onChange={(e) => set({ unverified_caller_access: e.currentTarget.value as AgentConfigInput['unverified_caller_access'] })}
            >
              <option value="anonymous">Nothing of their account until verified</option>
              <option value="name">Their name (the default)</option>
              <option value="projects">Their name and projects</option>
            </select>
          )}
        </Field>
        <FormProblem error={save.error} fields={FIELDS} />
        <div class="actions">
          {canWrite && (
            <button type="submit" disabled={save.busy}>
              {save.busy ? 'Saving…' : 'Save'}
            </button>
          )}
          <button
            type="button"
            class="secondary"
            disabled={preview.busy}
            onClick={() => preview.run(() => api.POST('/api/businesses/{id}/agent-config/preview', { ...path, body: form }), (p) => setPreviews(p.previews), '')}
          >
            {preview.busy ? 'Previewing…' : 'Preview'}
          </button>
          <span role="status" class="saved">
            {save.saved}
          </span>
        </div>
      </form>
      <aside class="stack">
        <section class="card" aria-labelledby="preview-h" aria-live="polite">
          <h2 id="preview-h">Preview</h2>
          <FormProblem error={preview.error} fields={FIELDS} />
          {!previews ? (
            <p class="hint">What the agent would say with these settings, before you save them.</p>
          ) : (
            previews.map((p) => (
              <div class="preview" key={p.situation} data-situation={p.situation}>
                <h3>
                  {label(p.situation)}
                  {p.caller_name ? ` (${p.caller_name})` : ''}
                </h3>
                <p class="first-message">“{p.first_message}”</p>
                <details>
                  <summary>Instructions the model gets</summary>
                  <pre class="prompt">{p.prompt}</pre>
                </details>
              </div>
            ))
          )}
        </section>
        {canWrite && (
          <section class="card" aria-labelledby="sync-h">
            <h2 id="sync-h">ElevenLabs</h2>
            <p class="hint">
              {(report?.synced_at ?? config.agent_synced_at) ? `Last synced ${when(report?.synced_at ?? config.agent_synced_at)}.` : 'Not synced yet.'} Save first: the sync
              sends what is saved.
            </p>
            <button type="button" disabled={sync.busy} onClick={() => sync.run(() => api.POST('/api/businesses/{id}/agent/sync', path), setReport, 'Synced.')}>
              {sync.busy ? 'Syncing…' : 'Sync to ElevenLabs'}
            </button>
            <FormProblem error={sync.error} fields={[]} />
            {report && (
              <div role="status" class="sync-report">
                <p>
                  Agent <code>{report.agent_id}</code> {report.agent} at {when(report.synced_at)}; {report.tool_ids.length} tools.
                </p>
                <ul class="plain">
                  {report.phone_numbers.map((n) => (
                    <li key={n.phone}>
                      {n.phone}: {label(n.action)}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </section>
        )}
      </aside>
    </div>
  );
}

function VoicePicker(props: {
  voices: Voice[];
  error: string | null;
  form: AgentConfigInput;
  set: (p: Partial<AgentConfigInput>) => void;
  disabled: boolean;
  saveError: ReturnType<typeof useSave>['error'];
}) {
  const audio = useRef<HTMLAudioElement | null>(null);
  const [playing, setPlaying] = useState<string | null>(null);
  const byId = new Map(props.voices.map((v) => [v.voice_id, v]));
  function play(v: Voice | undefined) {
    if (!v?.preview_url) return;
    audio.current?.pause();
    const a = new Audio(v.preview_url);
    audio.current = a;
    setPlaying(v.voice_id);
    a.onended = () => setPlaying(null);
    a.play().catch(() => setPlaying(null));
  }
  return (
    <>
      {props.error && (
        <p class="field-warning" role="status">
          ElevenLabs' voice list could not be loaded ({props.error}); the voices already chosen are kept.
        </p>
      )}
      {VOICE_SLOTS.map(([slot, title, hint]) => {
        const chosen = props.form[slot] ?? '';
        const voice = byId.get(chosen);
        return (
          <Field key={slot} label={title} name={slot} hint={hint || undefined} error={props.saveError}>
            {(a) => (
              <div class="row">
                <select {...a} disabled={props.disabled} value={chosen} onChange={(e) => props.set({ [slot]: e.currentTarget.value || null })}>
                  <option value="">{slot === 'voice_id' ? 'Not set' : 'The default voice'}</option>
                  {chosen && !voice && <option value={chosen}>{chosen} (not in the list)</option>}
                  {props.voices.map((v) => (
                    <option key={v.voice_id} value={v.voice_id}>
                      {v.name}
                      {v.description ? ` – ${v.description}` : ''}
                    </option>
                  ))}
                </select>
                <button type="button" class="secondary" disabled={!voice?.preview_url} aria-label={`Play a sample of ${voice?.name ?? 'the voice'}`} onClick={() => play(voice)}>
                  {playing === chosen && chosen ? 'Playing…' : 'Play'}
                </button>
              </div>
            )}
          </Field>
        );
      })}
    </>
  );
}

/** What GET answers, as PUT and preview take it (read-only fields are ignored by the API anyway). */
function toInput(c: AgentConfig): AgentConfigInput {
  const { elevenlabs_agent_id: _a, agent_synced_at: _s, updated_at: _u, ...input } = c;
  return input;
}

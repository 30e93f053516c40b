// The qualification questions: add, edit, remove, reorder by keyboard (Move up/down) and by drag.
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import { isAboutItem } from '../api/errors';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { move } from '../reorder';
import { must, useLoad } from '../ui/load';
import { Empty, Failure, FormProblem, Loading, SaveBar } from '../ui/parts';
import { useSave } from '../ui/save';

type Question = components['schemas']['QuestionInput'];
type Format = components['schemas']['ExpectedFormat'];
type LeadField = components['schemas']['LeadField'];
const FORMATS: Format[] = ['text', 'email', 'phone', 'number', 'date', 'yes_no', 'choice'];
const LEAD_FIELDS: LeadField[] = ['contact_name', 'email', 'phone', 'company', 'notes'];

export function Questions() {
  const { businessId } = useWorkspace();
  const loaded = useLoad(
    async () => must(await api.GET('/api/businesses/{id}/qualification-questions', { params: { path: { id: businessId } } })).questions,
    [businessId],
  );
  if (loaded.state === 'loading') return <Loading what="the questions" />;
  if (loaded.state === 'error') return <Failure error={loaded.error} retry={loaded.reload} />;
  return <QuestionsForm initial={loaded.data} />;
}

/** Each question with an id of its own while the form is open: the row keeps its identity (and
 * the focus in it) while its answer key is typed or it is moved. */
interface Row {
  uid: number;
  q: Question;
}
let nextUid = 0;
const rowsOf = (qs: Question[]): Row[] => qs.map((q) => ({ uid: nextUid++, q }));

function QuestionsForm({ initial }: { initial: Question[] }) {
  const { businessId, canWrite } = useWorkspace();
  const [rows, setRows] = useState<Row[]>(() => rowsOf(initial));
  const questions = rows.map((r) => r.q);
  // The dragged question's index: a ref, since drag events fire before a re-render would show state.
  const dragged = useRef<number | null>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const [announce, setAnnounce] = useState('');
  const save = useSave<components['schemas']['QuestionList']>([]);
  const update = (i: number, patch: Partial<Question>) =>
    setRows((current) => current.map((r, j) => (j === i ? { ...r, q: { ...r.q, ...patch } } : r)));
  const reorder = (from: number, to: number) => {
    if (to < 0 || to >= rows.length) return;
    setRows((current) => move(current, from, to));
    setAnnounce(`Question moved to position ${to + 1} of ${questions.length}.`);
    requestAnimationFrame(() => document.getElementById(`q-${to}-question`)?.focus());
  };
  const problemAt = (i: number) => (save.error && isAboutItem(save.error.message, 'questions', i) ? save.error.message : null);

  return (
    <form
      class="card"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.run(
          () => api.PUT('/api/businesses/{id}/qualification-questions', { params: { path: { id: businessId } }, body: { questions } }),
          (d) => setRows(rowsOf(d.questions)),
        );
      }}
    >
      <h2>What the agent asks new callers</h2>
      <p class="hint">In this order. Drag a question by its handle, or use Move up and Move down.</p>
      <p class="visually-hidden" role="status" aria-live="polite">
        {announce}
      </p>
      {questions.length === 0 && <Empty title="No questions: the agent only takes a message." />}
      <ol class="questions">
        {rows.map(({ uid, q }, i) => (
          <li
            key={uid}
            class={`question${dragging === i ? ' dragging' : ''}`}
            data-question={q.field_key}
            onDragOver={(e) => {
              if (dragged.current !== null) e.preventDefault();
            }}
            onDrop={(e) => {
              e.preventDefault();
              if (dragged.current !== null) reorder(dragged.current, i);
              dragged.current = null;
              setDragging(null);
            }}
          >
            <div class="question-head">
              {canWrite && (
                <span
                  class="handle"
                  draggable
                  aria-hidden="true"
                  title="Drag to reorder"
                  onDragStart={(e) => {
                    dragged.current = i;
                    setDragging(i);
                    e.dataTransfer?.setData('text/plain', String(i));
                  }}
                  onDragEnd={() => {
                    dragged.current = null;
                    setDragging(null);
                  }}
                >
                  ⠿
                </span>
              )}
              <strong>{i + 1}.</strong>
              <label class="grow">
                <span class="visually-hidden">Question {i + 1}</span>
                <input id={`q-${i}-question`} readOnly={!canWrite} value={q.question} maxLength={500} onInput={(e) => update(i, { question: e.currentTarget.value })} />
              </label>
              {canWrite && (
                <span class="row">
                  <button type="button" class="secondary" disabled={i === 0} aria-label={`Move question ${i + 1} up`} onClick={() => reorder(i, i - 1)}>
                    ↑
                  </button>
                  <button type="button" class="secondary" disabled={i === questions.length - 1} aria-label={`Move question ${i + 1} down`} onClick={() => reorder(i, i + 1)}>
                    ↓
                  </button>
                  <button type="button" class="secondary" aria-label={`Remove question ${i + 1}`} onClick={() => setRows((current) => current.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                </span>
              )}
            </div>
            <div class="question-body">
              <label>
                Answer key
                <input readOnly={!canWrite} value={q.field_key} pattern="[a-z][a-z0-9_]{0,63}" onInput={(e) => update(i, { field_key: e.currentTarget.value })} />
              </label>
              <label>
                Format
                <select disabled={!canWrite} value={q.expected_format} onChange={(e) => update(i, { expected_format: e.currentTarget.value as Format })}>
                  {FORMATS.map((f) => (
                    <option key={f} value={f}>
                      {f.replace('_', '/')}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Fills the lead's
                <select
                  disabled={!canWrite}
                  value={q.maps_to_lead_field ?? ''}
                  onChange={(e) => update(i, { maps_to_lead_field: (e.currentTarget.value || null) as LeadField | null })}
                >
                  <option value="">Nothing (kept with the answers)</option>
                  {LEAD_FIELDS.map((f) => (
                    <option key={f} value={f}>
                      {f.replace('_', ' ')}
                    </option>
                  ))}
                </select>
              </label>
              {q.expected_format === 'choice' && (
                <label class="wide">
                  Choices (comma-separated)
                  <input
                    readOnly={!canWrite}
                    value={(q.choices ?? []).join(', ')}
                    onChange={(e) =>
                      update(i, {
                        choices: e.currentTarget.value
                          .split(',')
                          .map((c) => c.trim())
                          .filter(Boolean),
                      })
                    }
                  />
                </label>
              )}
              <label class="check">
                <input type="checkbox" disabled={!canWrite} checked={q.required ?? false} onChange={(e) => update(i, { required: e.currentTarget.checked })} /> Required
              </label>
              <label class="check">
                <input
                  type="checkbox"
                  disabled={!canWrite}
                  checked={q.essential_for_emergency ?? false}
                  onChange={(e) => update(i, { essential_for_emergency: e.currentTarget.checked })}
                />{' '}
                Asked in an emergency too
              </label>
            </div>
            {problemAt(i) && (
              <p class="field-error" data-field-error={`questions[${i}]`}>
                {problemAt(i)}
              </p>
            )}
          </li>
        ))}
      </ol>
      <FormProblem error={save.error && !rows.some((_, i) => isAboutItem(save.error!.message, 'questions', i)) ? save.error : null} fields={[]} />
      {canWrite && (
        <SaveBar busy={save.busy} saved={save.saved} label="Save questions">
          <button
            type="button"
            class="secondary"
            disabled={questions.length >= 30}
            onClick={() => {
              setRows((current) => [...current, ...rowsOf([{ question: '', field_key: `question_${current.length + 1}`, expected_format: 'text', required: false }])]);
              requestAnimationFrame(() => document.getElementById(`q-${questions.length}-question`)?.focus());
            }}
          >
            Add a question
          </button>
        </SaveBar>
      )}
    </form>
  );
}

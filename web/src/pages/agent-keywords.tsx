// Urgency keywords: words in what a caller says that make a lead high or urgent.
import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { must, useLoad } from '../ui/load';
import { Failure, FormProblem, Loading, SaveBar } from '../ui/parts';
import { useSave } from '../ui/save';

type Keyword = components['schemas']['KeywordInput'];

export function Keywords() {
  const { businessId } = useWorkspace();
  const loaded = useLoad(async () => must(await api.GET('/api/businesses/{id}/urgency-keywords', { params: { path: { id: businessId } } })).keywords, [businessId]);
  if (loaded.state === 'loading') return <Loading what="the keywords" />;
  if (loaded.state === 'error') return <Failure error={loaded.error} retry={loaded.reload} />;
  return <KeywordsForm initial={loaded.data} />;
}

function KeywordsForm({ initial }: { initial: Keyword[] }) {
  const { businessId, canWrite } = useWorkspace();
  const [keywords, setKeywords] = useState<Keyword[]>(initial);
  const save = useSave<components['schemas']['KeywordList']>([]);
  const update = (i: number, patch: Partial<Keyword>) => setKeywords((current) => current.map((k, j) => (j === i ? { ...k, ...patch } : k)));
  return (
    <form
      class="card"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save.run(
          () => api.PUT('/api/businesses/{id}/urgency-keywords', { params: { path: { id: businessId } }, body: { keywords } }),
          (d) => setKeywords(d.keywords),
        );
      }}
    >
      <h2>Urgency keywords</h2>
      <p class="hint">A caller who says one of these makes the lead high priority or urgent (matched as whole words, any case).</p>
      <table class="list compact">
        <thead>
          <tr>
            <th scope="col">Word or phrase</th>
            <th scope="col">Makes the lead</th>
            {canWrite && <th scope="col">
              <span class="visually-hidden">Remove</span>
            </th>}
          </tr>
        </thead>
        <tbody>
          {keywords.map((k, i) => (
            <tr key={i}>
              <td data-label="Word or phrase">
                <input aria-label={`Keyword ${i + 1}`} readOnly={!canWrite} value={k.phrase} maxLength={200} onInput={(e) => update(i, { phrase: e.currentTarget.value })} />
              </td>
              <td data-label="Makes the lead">
                <select aria-label={`Severity of keyword ${i + 1}`} disabled={!canWrite} value={k.severity} onChange={(e) => update(i, { severity: e.currentTarget.value })}>
                  <option value="urgent">Urgent</option>
                  <option value="high">High</option>
                </select>
              </td>
              {canWrite && (
                <td>
                  <button type="button" class="secondary" aria-label={`Remove keyword ${i + 1}`} onClick={() => setKeywords((current) => current.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <FormProblem error={save.error} fields={[]} />
      {canWrite && (
        <SaveBar busy={save.busy} saved={save.saved} label="Save keywords">
          <button type="button" class="secondary" onClick={() => setKeywords((current) => [...current, { phrase: '', severity: 'urgent' }])}>
            Add a keyword
          </button>
        </SaveBar>
      )}
    </form>
  );
}

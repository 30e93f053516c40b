// What a knowledge document's status means for the business's callers. A replaced document keeps
// answering with the version indexed before it until the new one is indexed; if the new one fails,
// the old one goes on answering. A new document answers nothing until it is indexed. Pure
// functions, unit-tested.
import type { components } from './api/schema';
import { plural, when } from './format';

type DocumentSummary = components['schemas']['DocumentSummary'];
type Status = Pick<DocumentSummary, 'status' | 'failure_reason' | 'passage_count' | 'indexed_at'>;

/** Whether callers hear a version indexed before the current one. */
function earlierVersionAnswers(d: Status): boolean {
  return d.status !== 'ready' && d.indexed_at != null && d.passage_count > 0;
}

/** The sentence after the badge on the document's page. */
export function statusSentence(d: Status & { version: number }, timeZone?: string): string {
  const earlier = `the version indexed ${when(d.indexed_at, timeZone)} (${plural(d.passage_count, 'passage')})`;
  switch (d.status) {
    case 'ready':
      return `Version ${d.version}, ${plural(d.passage_count, 'passage')}, indexed ${when(d.indexed_at, timeZone)}.`;
    case 'processing':
      return earlierVersionAnswers(d)
        ? `Version ${d.version} is being indexed; callers hear ${earlier} meanwhile.`
        : `Version ${d.version} is being indexed; callers hear nothing from it until then.`;
    case 'failed':
      return (
        `Version ${d.version} could not be indexed: ${d.failure_reason ?? 'no reason was given'}. ` +
        (earlierVersionAnswers(d) ? `Callers still hear ${earlier}; save it again to replace it.` : 'Callers hear nothing from it; save it again.')
      );
  }
}

/** The short note beside the badge in the list. */
export function statusNote(d: Status): string {
  if (d.status === 'ready') return plural(d.passage_count, 'passage');
  const earlier = earlierVersionAnswers(d) ? 'the previous version answers' : '';
  if (d.status === 'failed') return [d.failure_reason, earlier].filter(Boolean).join('; ');
  return earlier;
}

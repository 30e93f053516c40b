// One knowledge document: written, uploaded as a file or imported from a web page; who hears it;
// where its indexing stands; replaced or deleted.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api/client';
import type { components } from '../api/schema';
import { useWorkspace } from '../context';
import { formError } from '../api/errors';
import { label } from '../format';
import { statusSentence } from '../knowledge-status';
import { asFormError, must, useLoad } from '../ui/load';
import { Badge, Failure, Field, FormProblem, Loading, PageHeader, SaveBar } from '../ui/parts';
import { useSave } from '../ui/save';

type KnowledgeDocument = components['schemas']['Document'];
type DocumentInput = components['schemas']['DocumentInput'];
type Client = components['schemas']['Client'];
type Source = 'write' | 'file' | 'url';

const FIELDS = ['title', 'client_id', 'body', 'url', 'file', 'format'] as const;
/** The file types the API reads, by extension (the browser may not know a type for .md). */
const FILE_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  htm: 'text/html',
  md: 'text/markdown',
  txt: 'text/plain',
};
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** How often the page asks again while a version is being indexed (as the list does). */
const POLL_MS = 3000;

export function fileType(name: string): string | undefined {
  return FILE_TYPES[name.split('.').pop()?.toLowerCase() ?? ''];
}

export function KnowledgeDocumentPage({ id }: { id: string }) {
  const { businessId } = useWorkspace();
  const isNew = id === 'new';
  const loaded = useLoad(async () => {
    const clients = must(await api.GET('/api/businesses/{id}/clients', { params: { path: { id: businessId }, query: { limit: 100 } } })).items;
    const document = isNew
      ? null
      : must(await api.GET('/api/businesses/{id}/knowledge/documents/{documentId}', { params: { path: { id: businessId, documentId: id } } }));
    return { clients, document };
  }, [businessId, id]);
  if (loaded.state === 'loading') return <Loading what="the document" />;
  if (loaded.state === 'error') return <Failure error={loaded.error} retry={loaded.reload} />;
  return <DocumentForm key={id} {...loaded.data} reload={loaded.reload} />;
}

function DocumentForm(props: { document: KnowledgeDocument | null; clients: Client[]; reload: () => void }) {
  const { businessId, business, canWrite } = useWorkspace();
  const { route } = useLocation();
  const doc = props.document;
  const [title, setTitle] = useState(doc?.title ?? '');
  const [clientId, setClientId] = useState<string | null>(doc?.client_id ?? null);
  const [source, setSource] = useState<Source>(sourceOf(doc));
  const [body, setBody] = useState(doc?.body ?? '');
  const [url, setUrl] = useState(doc?.source_kind === 'url' ? (doc.source_name ?? '') : '');
  const [file, setFile] = useState<File | null>(null);
  const save = useSave<KnowledgeDocument>(FIELDS);
  const [deleting, setDeleting] = useState(false);
  const readOnly = !canWrite;
  const indexing = useIndexing(businessId, doc);

  async function submit(e: Event) {
    e.preventDefault();
    const path = doc ? { id: businessId, documentId: doc.id } : { id: businessId };
    await save.run(
      async () => {
        if (source === 'file') {
          if (!file) throw fieldError('file', 'Choose a file to upload.');
          const type = fileType(file.name);
          if (!type) throw fieldError('file', 'Upload a PDF, Word (.docx), HTML, markdown or text file.');
          if (file.size > MAX_FILE_BYTES) throw fieldError('file', 'The file is larger than 4 MB.');
          const query = { title, file_name: file.name, ...(clientId ? { client_id: clientId } : {}) };
          const options = {
            params: { path, query },
            // The file itself is the body, sent as it is with its type.
            body: file as unknown as DocumentInput,
            bodySerializer: (b: unknown) => b as BodyInit,
            headers: { 'content-type': type },
          };
          return doc
            ? api.PUT('/api/businesses/{id}/knowledge/documents/{documentId}', options as never)
            : api.POST('/api/businesses/{id}/knowledge/documents', options as never);
        }
        const input: DocumentInput =
          source === 'url'
            ? { title, client_id: clientId, url }
            : { title, client_id: clientId, body, format: doc?.source_kind === 'text' ? 'text' : 'markdown' };
        return doc
          ? api.PUT('/api/businesses/{id}/knowledge/documents/{documentId}', { params: { path: path as { id: string; documentId: string } }, body: input })
          : api.POST('/api/businesses/{id}/knowledge/documents', { params: { path }, body: input });
      },
      (saved) => {
        if (!doc) route(`/knowledge/${saved.id}`, true);
        else props.reload();
      },
      'Saved: indexing it now.',
    );
  }

  async function remove() {
    if (!doc || !window.confirm(`Delete “${doc.title}”? The agent will no longer find anything in it.`)) return;
    setDeleting(true);
    try {
      const answer = await api.DELETE('/api/businesses/{id}/knowledge/documents/{documentId}', { params: { path: { id: businessId, documentId: doc.id } } });
      if (answer.response.ok) route('/knowledge');
      // The API's own words (a document another user deleted is a 404 that says so).
      else save.setError(formError(answer.response.status, answer.error));
    } catch (e) {
      save.setError(asFormError(e));
    } finally {
      setDeleting(false);
    }
  }

  return (
    <article>
      <p class="crumbs">
        <a href="/knowledge">← Knowledge base</a>
      </p>
      <PageHeader title={doc ? doc.title : 'Add a document'} />
      {indexing && (
        <p class="doc-status" role="status">
          <Badge value={indexing.status} /> {statusSentence(indexing, business.timezone)}
        </p>
      )}
      <form class="card form-grid" onSubmit={submit} noValidate>
        <Field label="Title" name="title" error={save.error} hint="The agent names it when it answers from it.">
          {(a) => <input {...a} required maxLength={200} readOnly={readOnly} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />}
        </Field>
        <Field label="Who hears it" name="client_id" error={save.error} hint="A client's own document is searched only on that client's calls.">
          {(a) => (
            <select {...a} disabled={readOnly} value={clientId ?? ''} onChange={(e) => setClientId(e.currentTarget.value || null)}>
              <option value="">Every caller</option>
              {props.clients.map((c) => (
                <option key={c.id} value={c.id}>
                  Only {c.name}
                  {c.company ? ` (${c.company})` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        {canWrite && (
          <fieldset class="field">
            <legend>Content</legend>
            {(
              [
                ['write', 'Write or paste it'],
                ['file', 'Upload a file'],
                ['url', 'Import a web page'],
              ] as const
            ).map(([value, text]) => (
              <label class="choice" key={value}>
                <input type="radio" name="source" value={value} checked={source === value} onChange={() => setSource(value)} /> {text}
              </label>
            ))}
          </fieldset>
        )}
        {source === 'write' && (
          <Field
            label="Text"
            name="body"
            error={save.error}
            hint="Markdown: lines starting with # are headings, which help the agent find the right passage."
          >
            {(a) => <textarea {...a} rows={14} readOnly={readOnly} value={body} onInput={(e) => setBody(e.currentTarget.value)} />}
          </Field>
        )}
        {source === 'file' && canWrite && (
          <Field label="File" name="file" error={save.error} hint="PDF, Word (.docx), HTML, markdown or text, up to 4 MB.">
            {(a) => <input {...a} type="file" accept=".pdf,.docx,.html,.htm,.md,.txt" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />}
          </Field>
        )}
        {source === 'url' && (
          <Field label="Page address" name="url" error={save.error} hint="Fetched once when you save; save again to fetch it again.">
            {(a) => <input {...a} type="url" placeholder="https://" readOnly={readOnly} value={url} onInput={(e) => setUrl(e.currentTarget.value)} />}
          </Field>
        )}
        {doc && source !== 'write' && (
          <details>
            <summary>The text the agent searches (from {doc.source_name ?? label(doc.source_kind)})</summary>
            <pre class="doc-text">{doc.body}</pre>
          </details>
        )}
        <FormProblem error={save.error} fields={FIELDS} />
        {canWrite && (
          <SaveBar busy={save.busy} saved={save.saved} label={doc ? 'Save and re-index' : 'Add and index'}>
            {doc && (
              <button type="button" class="secondary danger" disabled={deleting} onClick={remove}>
                {deleting ? 'Deleting…' : 'Delete'}
              </button>
            )}
          </SaveBar>
        )}
      </form>
    </article>
  );
}

/** How a document is edited: as it was added (a file's text is shown, not edited as text). */
function sourceOf(doc: KnowledgeDocument | null): Source {
  switch (doc?.source_kind) {
    case 'url':
      return 'url';
    case 'pdf':
    case 'docx':
    case 'html':
      return 'file';
    default:
      return 'write';
  }
}

/** A check made in the browser, shown on its field like the API's own. */
function fieldError(field: string, message: string) {
  return Object.assign(new Error(message), { field, code: 'invalid_field', status: 400 });
}

/**
 * The document's status, asked again every few seconds while a version is being indexed, so the
 * page says when it is ready (or failed) without a reload. Only the status is replaced: what the
 * user is typing in the form stays.
 */
function useIndexing(businessId: string, doc: KnowledgeDocument | null): KnowledgeDocument | null {
  const [current, setCurrent] = useState(doc);
  const [polls, setPolls] = useState(0);
  useEffect(() => setCurrent(doc), [doc]);
  useEffect(() => {
    if (!current || current.status !== 'processing') return;
    let live = true;
    const timer = window.setTimeout(async () => {
      try {
        const answer = await api.GET('/api/businesses/{id}/knowledge/documents/{documentId}', {
          params: { path: { id: businessId, documentId: current.id } },
        });
        if (live && answer.data) setCurrent(answer.data);
      } catch {
        // Unreachable for a moment: the next poll asks again.
      }
      if (live) setPolls((n) => n + 1);
    }, POLL_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [businessId, current, polls]);
  return current;
}

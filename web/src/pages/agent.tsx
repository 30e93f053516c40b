// The agent: what it says and how it sounds, what it asks, when the office is open and where
// calls go, what counts as urgent; a preview on the unsaved configuration and the sync to ElevenLabs.
import { useLocation } from 'preact-iso';
import { api } from '../api/client';
import { useWorkspace } from '../context';
import { must, useLoad } from '../ui/load';
import { Failure, Loading, PageHeader } from '../ui/parts';
import { VoiceAndWords } from './agent-config';
import { Questions } from './agent-questions';
import { HoursAndRouting } from './agent-business';
import { Keywords } from './agent-keywords';

const SECTIONS = [
  ['words', 'Greetings, voice and model'],
  ['questions', 'Questions'],
  ['hours', 'Hours and routing'],
  ['urgency', 'Urgency'],
] as const;
type Section = (typeof SECTIONS)[number][0];

export function Agent() {
  const { businessId } = useWorkspace();
  const { query } = useLocation();
  const section: Section = SECTIONS.find(([s]) => s === query.section)?.[0] ?? 'words';
  const loaded = useLoad(async () => {
    const path = { path: { id: businessId } };
    const [config, options] = await Promise.all([
      api.GET('/api/businesses/{id}/agent-config', { params: path }),
      api.GET('/api/businesses/{id}/agent-config/options', { params: path }),
    ]);
    return { config: must(config), options: must(options) };
  }, [businessId]);
  return (
    <section>
      <PageHeader title="Agent" />
      <nav class="subnav" aria-label="Agent settings">
        <ul>
          {SECTIONS.map(([s, text]) => (
            <li key={s}>
              <a href={`/agent?section=${s}`} aria-current={s === section ? 'page' : undefined}>
                {text}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {section === 'words' &&
        (loaded.state === 'loading' ? (
          <Loading what="the agent" />
        ) : loaded.state === 'error' ? (
          <Failure error={loaded.error} retry={loaded.reload} />
        ) : (
          <VoiceAndWords config={loaded.data.config} options={loaded.data.options} />
        ))}
      {section === 'questions' && <Questions />}
      {section === 'hours' && <HoursAndRouting />}
      {section === 'urgency' && <Keywords />}
    </section>
  );
}

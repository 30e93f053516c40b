// The ElevenLabs side of a call, as the tests play it: the conversation-initiation webhook with
// the tools' shared secret (the local dev secret), answered by the gateway as in production.
import { readFileSync } from 'node:fs';
import { BASE_URL } from './browser.mjs';

const secrets = JSON.parse(readFileSync(new URL('../../infra/local/dev-secrets.json', import.meta.url), 'utf8'));
const SECRET = secrets['elevenlabs-tool'].elevenlabs_tool_secret;
export const CALLED_NUMBER = '+14155552600';

/** What the agent would be told for a call from `callerId` now. */
export async function personalize(callerId) {
  const res = await fetch(`${BASE_URL}/api/voice/elevenlabs-personalization`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-studioconnect-secret': SECRET },
    body: JSON.stringify({
      caller_id: callerId,
      agent_id: 'agent_demo',
      called_number: CALLED_NUMBER,
      call_sid: `CAe2e${Math.random().toString(16).slice(2, 18)}`,
    }),
  });
  if (res.status !== 200) throw new Error(`personalization answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** What the agent's `search_knowledge_base` tool answers `query` on a call from `callerId`. */
export async function searchKnowledge(callerId, query) {
  const res = await fetch(`${BASE_URL}/api/voice/tools/search_knowledge_base`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-studioconnect-secret': SECRET },
    body: JSON.stringify({
      conversation_id: `conv_e2e${Math.random().toString(16).slice(2, 18)}`,
      caller_id: callerId,
      called_number: CALLED_NUMBER,
      query,
    }),
  });
  if (res.status !== 200) throw new Error(`search_knowledge_base answered ${res.status}: ${await res.text()}`);
  return res.json();
}

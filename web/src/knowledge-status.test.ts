import { describe, expect, it } from 'vitest';
import { statusNote, statusSentence } from './knowledge-status';

const indexed = '2026-11-30T14:05:00Z';
const zone = 'America/New_York';

describe('knowledge document status', () => {
  it('says a ready document answers with its passages', () => {
    const d = { status: 'ready', failure_reason: null, passage_count: 14, indexed_at: indexed, version: 2 } as const;
    expect(statusSentence(d, zone)).toMatch(/^Version 2, 14 passages, indexed Nov 30(, 2026)?, 9:05\sAM/);
    expect(statusNote(d)).toBe('14 passages');
  });
  it('says a replacement being indexed leaves the earlier version answering, and a new one nothing', () => {
    const replacing = { status: 'processing', failure_reason: null, passage_count: 3, indexed_at: indexed, version: 4 } as const;
    expect(statusSentence(replacing, zone)).toMatch(/^Version 4 is being indexed; callers hear the version indexed Nov 30(, 2026)?, 9:05\sAM \(3 passages\) meanwhile\.$/);
    expect(statusNote(replacing)).toBe('the previous version answers');
    const added = { status: 'processing', failure_reason: null, passage_count: 0, indexed_at: null, version: 1 } as const;
    expect(statusSentence(added, zone)).toBe('Version 1 is being indexed; callers hear nothing from it until then.');
    expect(statusNote(added)).toBe('');
  });
  it('says a failed replacement still answers with the earlier version, and a failed new one with nothing', () => {
    const reason = 'the embedding service did not answer';
    const replaced = { status: 'failed', failure_reason: reason, passage_count: 1, indexed_at: indexed, version: 3 } as const;
    expect(statusSentence(replaced, zone)).toMatch(
      /^Version 3 could not be indexed: the embedding service did not answer\. Callers still hear the version indexed Nov 30(, 2026)?, 9:05\sAM \(1 passage\); save it again to replace it\.$/,
    );
    expect(statusNote(replaced)).toBe(`${reason}; the previous version answers`);
    const added = { status: 'failed', failure_reason: reason, passage_count: 0, indexed_at: null, version: 1 } as const;
    expect(statusSentence(added, zone)).toBe(`Version 1 could not be indexed: ${reason}. Callers hear nothing from it; save it again.`);
    expect(statusNote(added)).toBe(reason);
    expect(statusSentence({ ...added, failure_reason: null }, zone)).toContain('could not be indexed: no reason was given.');
  });
});

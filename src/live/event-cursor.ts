/**
 * Event cursors: opaque, tied to their story, increasing with the story's
 * sequence. Editors' cursors count every event (`storyId:seq`); readers'
 * count public events only (`storyId:seq:p`, see stories.lastPublicSeq), so
 * that a draft saved moves nothing a reader can see, not even a cursor.
 */
export interface EventCursor {
  storyId: number;
  seq: number;
  /** Counts public events only (a reader's cursor). */
  public: boolean;
}

export function encodeEventCursor(storyId: number, seq: number, publicOnly = false): string {
  return Buffer.from(`${storyId}:${seq}${publicOnly ? ':p' : ''}`, 'utf8').toString('base64url');
}

export function decodeEventCursor(cursor: string): EventCursor | null {
  if (cursor.length > 60 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = /^([1-9][0-9]{0,9}):(0|[1-9][0-9]{0,15})(:p)?$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? { storyId: Number(match[1]), seq: Number(match[2]), public: match[3] !== undefined } : null;
}

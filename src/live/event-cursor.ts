/** Event cursors: opaque, tied to their story, increasing with the story's sequence. */
export function encodeEventCursor(storyId: number, seq: number): string {
  return Buffer.from(`${storyId}:${seq}`, 'utf8').toString('base64url');
}

export function decodeEventCursor(cursor: string): { storyId: number; seq: number } | null {
  if (cursor.length > 60 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = /^([1-9][0-9]{0,9}):(0|[1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? { storyId: Number(match[1]), seq: Number(match[2]) } : null;
}

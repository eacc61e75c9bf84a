/** Who is asking. Authentication decides it once per request (src/context.ts); scopes read it. */
export type Role = 'reader' | 'editor' | 'admin';

export interface Viewer {
  role: Role;
  /** The token's subject (an editor's name or id); null for anonymous readers. */
  subject: string | null;
  /** The person's display name (the token's `name` claim): what bylines print. */
  name?: string | null;
  /** When the token runs out (seconds since the epoch): long-lived subscriptions stop there. */
  expiresAt?: number;
}

export const anonymousReader: Viewer = { role: 'reader', subject: null };

/** Editors and admins write: their requests go before readers' (src/transport/write-priority.ts). */
export const canWrite = (viewer: Viewer) => viewer.role === 'editor' || viewer.role === 'admin';

/** Editors and admins see drafts, retracted bodies and editors-only events. */
export const canSeeUnpublished = (viewer: Viewer) => viewer.role === 'editor' || viewer.role === 'admin';

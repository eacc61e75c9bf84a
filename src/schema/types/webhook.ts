/**
 * Webhooks in the API: subscriptions admins register, with what their
 * deliveries did (src/webhooks/). Admins only: others get FORBIDDEN from the
 * fields, and `node(id:)` answers null.
 */
import type { WebhookRow } from '../../db/schema.js';
import { notFound } from '../../errors.js';
import { readPage } from '../../loaders/keyset.js';
import {
  MAX_SECRET_GRACE_SECONDS,
  type WebhookDelivery,
  createWebhook,
  deleteWebhook,
  describeDeliveryError,
  deliveriesPages,
  deliveryOrder,
  lastDeliveries,
  pendingCounts,
  rotateWebhookSecret,
  updateWebhook,
  webhookOrder,
  webhooksByIds,
  webhooksPage,
} from '../../webhooks/admin.js';
import { deliveriesByIds } from '../../loaders/webhook-deliveries.js';
import { builder } from '../builder.js';
import { encodeGlobalId, parseNodeId } from '../../global-id.js';
import { undefinedIfNull } from '../inputs.js';
import { StoryEventKindEnum } from './story-event.js';
import { StoryRef } from './story.js';

const WebhookDeliveryErrorEnum = builder.enumType('WebhookDeliveryError', {
  description: 'Why a webhook attempt failed, as a category: the system\'s own message (with addresses and ports) stays in the server\'s log.',
  values: {
    REFUSED: { value: 'refused', description: 'The receiver\'s host refused the connection.' },
    TIMEOUT: { value: 'timeout', description: 'No answer within WEBHOOK_TIMEOUT_MS (connecting, or waiting for the status line).' },
    TLS: { value: 'tls', description: 'The TLS handshake failed (a certificate not valid for the host, expired or untrusted; not TLS at all).' },
    DNS: { value: 'dns', description: 'The host name did not resolve.' },
    BLOCKED: { value: 'blocked', description: 'The host is, or resolved to, an address webhooks may not reach (loopback, private, link-local, …): nothing was sent.' },
    NETWORK: { value: 'network', description: 'The connection failed otherwise (reset, unreachable).' },
    HTTP_STATUS: { value: 'http_status', description: 'The receiver answered with a status other than 2xx (`lastStatus`); redirects are not followed.' },
    SLOW: {
      value: 'slow',
      description: 'Acknowledged (`delivered` is true), but slower than WEBHOOK_SLOW_MS: it counts as a failure, and the webhook\'s next delivery waits out a backoff.',
    },
  } as const,
});

// A Node (node(id:) fetches it again, for admins), so that Relay tooling's connection rules hold.
const WebhookDeliveryRef = builder.loadableNode('WebhookDelivery', {
  description: 'One event sent (or to be sent) to one webhook, with how its attempts went. Retries keep its `deliveryId`.',
  id: { resolve: (d: WebhookDelivery) => d.id, parse: Number },
  load: (ids: number[], ctx) => deliveriesByIds(ctx, ids),
  sort: (d) => d.id,
  authScopes: { admin: true },
  fields: (t) => ({
    deliveryId: t.exposeString('deliveryId', {
      description: 'The `webhook-id` header (and `X-Diretta-Delivery`, and the body\'s `deliveryId`): the same on every retry, so receivers deduplicate on it.',
    }),
    kind: t.field({ type: StoryEventKindEnum, description: 'The kind of the event delivered.', resolve: (d) => d.kind as never }),
    eventSequence: t.int({ description: 'The event\'s number in its story.', resolve: (d) => d.sequence }),
    story: t.field({ type: StoryRef, nullable: true, description: 'The story of the event.', resolve: (d, _args, ctx) => StoryRef.getDataloader(ctx).load(d.storyId) }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far.' }),
    delivered: t.boolean({ description: 'Whether the receiver acknowledged it (a 2xx answer).', resolve: (d) => d.deliveredAt !== null }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true, description: 'When the receiver acknowledged it.' }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true, description: 'When it was last tried; null before the first attempt.' }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it will be tried next (if its webhook is not paused and it is first in line); null once delivered.',
      resolve: (d) => (d.deliveredAt ? null : d.nextAttemptAt),
    }),
    lastStatus: t.exposeInt('lastStatus', { nullable: true, description: 'HTTP status of the last answer; null when there was none (refused, timed out).' }),
    errorKind: t.field({
      type: WebhookDeliveryErrorEnum,
      nullable: true,
      description: 'Why the last attempt failed, as a category (SLOW: it succeeded, too slowly); null if it succeeded in time.',
      resolve: (d) => d.lastError,
    }),
    error: t.string({
      nullable: true,
      description: 'Why the last attempt failed, in words: `errorKind` (and the status) said plainly, never an address or a port; null if it succeeded in time.',
      resolve: (d) => (d.lastError === null ? null : describeDeliveryError(d.lastError, d.lastStatus)),
    }),
  }),
});

const WebhookDeliveryConnection = builder.connectionObject(
  { type: WebhookDeliveryRef, name: 'WebhookDeliveryConnection', description: 'A page of a webhook\'s deliveries, newest first.' },
  { name: 'WebhookDeliveryEdge', description: 'A delivery in a page of deliveries.' },
);

export const WebhookRef = builder.loadableNode('Webhook', {
  description:
    'An admin\'s subscription: each public event of one story (or of every story) whose kind it lists is POSTed as JSON to its URL, signed as Standard Webhooks sign (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Delivered at least once, in order; paused after repeated failures.',
  id: { resolve: (w: WebhookRow) => w.id, parse: Number },
  load: (ids: number[], ctx) => webhooksByIds(ctx, ids),
  sort: (w) => w.id,
  authScopes: { admin: true },
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Where deliveries are POSTed.' }),
    story: t.field({ type: StoryRef, nullable: true, description: 'The story it follows; null for every story.', resolve: (w, _args, ctx) => (w.storyId === null ? null : StoryRef.getDataloader(ctx).load(w.storyId)) }),
    events: t.field({ type: [StoryEventKindEnum], description: 'The event kinds it receives.', resolve: (w) => w.eventKinds as never }),
    description: t.exposeString('description', { nullable: true, description: 'What it is for, as the admin wrote it.' }),
    paused: t.exposeBoolean('paused', { description: 'Paused (by an admin, or after repeated failures): events queue up and are delivered, in order, once it is resumed.' }),
    failures: t.exposeInt('failures', {
      description:
        'Failed attempts in a row since the last success in time (an acknowledgement slower than WEBHOOK_SLOW_MS counts as a failure); a failure that reaches WEBHOOK_PAUSE_AFTER_FAILURES pauses it.',
    }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'After `rotateWebhookSecret`: until when deliveries are also signed with the previous secret; null when only the current one signs.',
    }),
    pendingDeliveries: t.loadable({
      type: 'Int',
      description: 'Deliveries not yet acknowledged.',
      load: (ids: number[], ctx) => pendingCounts(ctx, ids),
      resolve: (w) => w.id,
    }),
    lastDelivery: t.loadable({
      type: WebhookDeliveryRef,
      nullable: true,
      description: 'The delivery attempted most recently, successful or not; null before the first attempt.',
      load: (ids: number[], ctx) => lastDeliveries(ctx, ids),
      resolve: (w) => w.id,
    }),
    deliveries: t.loadable({
      type: WebhookDeliveryConnection,
      description: 'Its deliveries, newest first (delivered ones are kept for WEBHOOK_RETENTION_DAYS).',
      byPath: true,
      args: t.arg.connectionArgs(),
      load: (ids: number[], ctx, args) => deliveriesPages(ctx, ids, readPage(args, deliveryOrder, 'Webhook.deliveries')),
      resolve: (w) => w.id,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last changed.' }),
  }),
});

const WebhookConnection = builder.connectionObject(
  { type: WebhookRef, name: 'WebhookConnection', description: 'A page of webhooks, oldest first.' },
  { name: 'WebhookEdge', description: 'A webhook in a page of webhooks.' },
);

builder.queryField('webhooks', (t) =>
  t.field({
    type: WebhookConnection,
    authScopes: { admin: true },
    description: 'Admins: every webhook subscription, oldest first.',
    args: t.arg.connectionArgs(),
    resolve: (_root, args, ctx) => webhooksPage(ctx, readPage(args, webhookOrder, 'Query.webhooks')),
  }),
);

const webhookId = (id: string | number) => parseNodeId(String(id), 'input.id', ['Webhook']).id;

builder.relayMutationField(
  'createWebhook',
  {
    description: 'A new webhook subscription.',
    inputFields: (t) => ({
      url: t.string({
        required: true,
        description:
          'Absolute http:// or https:// URL the events are POSTed to (no user name or password). Its host must be public: a name that resolves, and only to public addresses (not loopback, private, link-local…), unless its host:port is in WEBHOOK_ALLOWED_TARGETS.',
      }),
      story: t.id({ description: 'The story to follow; leave out for every story.' }),
      events: t.field({ type: [StoryEventKindEnum], required: true, description: 'The event kinds wanted (at least one; DRAFTED is never sent).' }),
      description: t.string({ description: 'What it is for, up to 500 characters.' }),
      idempotencyKey: t.string({ description: 'Any unique string: retrying with the same key returns the first result (and secret) instead of creating twice.' }),
    }),
  },
  {
    description: 'Registers a webhook (admins). The answer carries its signing secret: the only time it is shown.',
    authScopes: { admin: true },
    resolve: async (_root, { input }, ctx) => {
      const storyId = input.story == null ? null : parseNodeId(String(input.story), 'input.story', ['Story']).id;
      const webhook = await createWebhook(ctx, ctx.webhookRules, { url: input.url, storyId, events: input.events, description: input.description, idempotencyKey: input.idempotencyKey });
      return { webhook };
    },
  },
  {
    description: 'The webhook created, and its secret.',
    outputFields: (t) => ({
      webhook: t.field({ type: WebhookRef, description: 'The new webhook.', resolve: (p) => p.webhook }),
      secret: t.string({
        description: 'Its signing secret, `whsec_` and base64, as Standard Webhooks libraries take it (`new Webhook(secret)`). Store it now: it is never shown again.',
        resolve: (p) => p.webhook.secret,
      }),
    }),
  },
);

builder.relayMutationField(
  'updateWebhook',
  {
    description: 'Changes to a webhook; fields left out stay as they are. `paused: false` resumes a paused one (its failure count starts again from zero and the waiting deliveries go out, in order).',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The webhook.' }),
      url: t.string({ description: 'New URL, checked as `createWebhook` checks it.' }),
      events: t.field({ type: [StoryEventKindEnum], description: 'New list of event kinds.' }),
      description: t.string({ description: 'New description; an empty string clears it.' }),
      paused: t.boolean({ description: 'true pauses it, false resumes it.' }),
    }),
  },
  {
    description: 'Edits, pauses or resumes a webhook (admins).',
    authScopes: { admin: true },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return { webhook: await updateWebhook(ctx, ctx.webhookRules, webhookId(id), undefinedIfNull(changes, ['url', 'events', 'paused'])) };
    },
  },
  { description: 'The webhook after the change.', outputFields: (t) => ({ webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (p) => p.webhook }) }) },
);

builder.relayMutationField(
  'rotateWebhookSecret',
  {
    description: 'A new secret for a webhook; the previous one keeps signing for a grace period.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The webhook.' }),
      graceSeconds: t.int({
        description: `How long deliveries are also signed with the previous secret, 0 to ${MAX_SECRET_GRACE_SECONDS}; leave out for WEBHOOK_SECRET_GRACE_SECONDS (24 h unless configured). 0 drops the previous secret at once (one that leaked).`,
      }),
      idempotencyKey: t.string({ description: 'Any unique string: retrying with the same key rotates once and answers with the webhook and the secret then in force.' }),
    }),
  },
  {
    description:
      'Rotates a webhook\'s signing secret (admins). Until the grace period ends, `webhook-signature` carries two signatures (`v1,…` with the new secret, then with the previous one), so a receiver verifies with either while it changes over; `X-Diretta-Signature` uses the new secret at once. An unknown ID is NOT_FOUND.',
    authScopes: { admin: true },
    resolve: async (_root, { input }, ctx) => ({
      webhook: await rotateWebhookSecret(ctx, ctx.webhookRules, webhookId(input.id), { graceSeconds: input.graceSeconds, idempotencyKey: input.idempotencyKey }),
    }),
  },
  {
    description: 'The webhook with its new secret.',
    outputFields: (t) => ({
      webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (p) => p.webhook }),
      secret: t.string({ description: 'The new secret (`whsec_` and base64). Store it now: it is never shown again.', resolve: (p) => p.webhook.secret }),
    }),
  },
);

builder.relayMutationField(
  'deleteWebhook',
  {
    description: 'Removes a webhook and the deliveries still waiting for it.',
    inputFields: (t) => ({ id: t.id({ required: true, description: 'The webhook.' }) }),
  },
  {
    description: 'Deletes a webhook (admins). An unknown ID is NOT_FOUND.',
    authScopes: { admin: true },
    resolve: async (_root, { input }, ctx) => {
      const id = webhookId(input.id);
      if (!(await deleteWebhook(ctx, id))) throw notFound('input.id', 'No webhook with that ID.');
      return { deletedId: encodeGlobalId('Webhook', id) };
    },
  },
  { description: 'What was deleted.', outputFields: (t) => ({ deletedId: t.id({ description: 'The global ID of the deleted webhook.', resolve: (p) => p.deletedId }) }) },
);

/** Webhook event names. The last three are registered now and emitted by the features that add them. */
export const WEBHOOK_EVENTS = [
  'proposal.created',
  'proposal.started',
  'proposal.ended',
  'proposal.decided',
  'vote.created',
  'risk.raised',
  'safe_transaction.status',
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** One event for the webhooks of a space; `data` becomes the body's `data`. */
export type WebhookEvent = { event: WebhookEventName; space: string; data: Record<string, unknown> };

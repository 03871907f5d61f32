/** Output contracts of the LLM tasks: JSON schemas sent as response_format, and zod validators re-checking answers. */
import { z } from 'zod';

const severity = z.enum(['low', 'medium', 'high']);

export const SummaryAnswer = z
  .object({
    headline: z.string().min(1).max(200),
    summary: z.string().min(1).max(1500),
    risk_notes: z.array(z.string().max(300)).max(5),
    severity_suggestion: severity,
  })
  .strict();
export type SummaryAnswer = z.infer<typeof SummaryAnswer>;

export const FlagAnswer = z
  .object({
    explanation: z.string().min(1).max(1200),
    evidence_ids: z.array(z.string().max(200)).max(50),
    figures: z.array(z.object({ name: z.string().max(64), value: z.number() }).strict()).max(20),
    severity_suggestion: severity,
  })
  .strict();
export type FlagAnswer = z.infer<typeof FlagAnswer>;

export const RulesAnswer = z
  .object({
    verdict: z.enum(['compliant', 'violation', 'unclear']),
    violated_rules: z.array(z.number().int().min(0)).max(50),
    notes: z.string().max(1200),
    severity_suggestion: severity,
  })
  .strict();
export type RulesAnswer = z.infer<typeof RulesAnswer>;

const sev = { type: 'string', enum: ['low', 'medium', 'high'] };

/** JSON schemas (strict mode: every property required, no extra properties). */
export const jsonSchemas = {
  proposal_summary: {
    type: 'object',
    additionalProperties: false,
    required: ['headline', 'summary', 'risk_notes', 'severity_suggestion'],
    properties: {
      headline: { type: 'string', maxLength: 200 },
      summary: { type: 'string', maxLength: 1500 },
      risk_notes: { type: 'array', items: { type: 'string', maxLength: 300 }, maxItems: 5 },
      severity_suggestion: sev,
    },
  },
  flag_explanation: {
    type: 'object',
    additionalProperties: false,
    required: ['explanation', 'evidence_ids', 'figures', 'severity_suggestion'],
    properties: {
      explanation: { type: 'string', maxLength: 1200 },
      evidence_ids: { type: 'array', items: { type: 'string' }, maxItems: 50 },
      figures: {
        type: 'array',
        maxItems: 20,
        items: { type: 'object', additionalProperties: false, required: ['name', 'value'], properties: { name: { type: 'string' }, value: { type: 'number' } } },
      },
      severity_suggestion: sev,
    },
  },
  rules_check: {
    type: 'object',
    additionalProperties: false,
    required: ['verdict', 'violated_rules', 'notes', 'severity_suggestion'],
    properties: {
      verdict: { type: 'string', enum: ['compliant', 'violation', 'unclear'] },
      violated_rules: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 50 },
      notes: { type: 'string', maxLength: 1200 },
      severity_suggestion: sev,
    },
  },
} as const;

export type TaskName = keyof typeof jsonSchemas;

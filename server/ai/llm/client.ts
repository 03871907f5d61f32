/** Thin structured-output client over the `openai` package: JSON-schema response_format, zod re-validation, breaker, cache. */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import type { z } from 'zod';
import type { LlmConfig } from './config.ts';
import { jsonSchemas } from './schemas.ts';
import type { TaskName } from './schemas.ts';

export type ChatMessage = { role: 'system' | 'user'; content: string };

export type LlmCallResult<T> = { ok: true; value: T; model: string; promptHash: string } | { ok: false; error: string; promptHash: string };

/** Structured LLM calls; never throws — failures come back as `{ok: false}`. */
export class StructuredLlm {
  readonly config: LlmConfig;
  private client: OpenAI;
  private failures = 0;
  private openUntil = 0;
  private cache = new Map<string, unknown>();
  /** Answers that failed validation, kept for audit (prompt hash and reason). */
  readonly rejected: { promptHash: string; reason: string }[] = [];

  constructor(config: LlmConfig, fetchImpl?: typeof fetch) {
    this.config = config;
    this.client = new OpenAI({
      baseURL: config.baseURL,
      apiKey: config.apiKey,
      timeout: config.timeoutMs,
      maxRetries: config.retries,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
  }

  /** Sends one task and returns the validated answer. */
  async call<T>(task: TaskName, messages: ChatMessage[], validator: z.ZodType<T>): Promise<LlmCallResult<T>> {
    const schema = jsonSchemas[task];
    const promptHash = createHash('sha256').update(JSON.stringify([this.config.model, messages, schema])).digest('hex');
    if (this.cache.has(promptHash)) return { ok: true, value: this.cache.get(promptHash) as T, model: this.config.model, promptHash };
    if (Date.now() < this.openUntil) return { ok: false, error: 'circuit open', promptHash };
    const budget = this.config.timeoutMs * (this.config.retries + 1) + 1000;
    try {
      const completion = await this.client.chat.completions.create(
        {
          model: this.config.model,
          temperature: 0,
          max_tokens: this.config.maxTokens ?? 800,
          messages,
          response_format: { type: 'json_schema', json_schema: { name: task, strict: true, schema: schema as unknown as Record<string, unknown> } },
        },
        { timeout: this.config.timeoutMs, signal: AbortSignal.timeout(budget) },
      );
      this.failures = 0;
      const choice = completion.choices?.[0];
      const content = choice?.message?.content;
      if (!content || choice.finish_reason === 'length' || choice.finish_reason === 'content_filter') return this.reject(promptHash, `no usable content (${choice?.finish_reason ?? 'none'})`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(content);
      } catch {
        return this.reject(promptHash, 'answer is not JSON');
      }
      const checked = validator.safeParse(parsed);
      if (!checked.success) return this.reject(promptHash, 'answer does not match the schema');
      this.cache.set(promptHash, checked.data);
      return { ok: true, value: checked.data, model: completion.model ?? this.config.model, promptHash };
    } catch (e) {
      this.failures++;
      if (this.failures >= (this.config.breakerFailures ?? 3)) {
        this.openUntil = Date.now() + (this.config.breakerMs ?? 60_000);
        this.failures = 0;
      }
      return { ok: false, error: e instanceof Error ? e.message : String(e), promptHash };
    }
  }

  /** Records an answer that failed validation and reports it as a failure. */
  reject<T>(promptHash: string, reason: string): LlmCallResult<T> {
    this.rejected.push({ promptHash, reason });
    return { ok: false, error: reason, promptHash };
  }
}

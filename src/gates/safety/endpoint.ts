import { appendFile, truncate } from 'node:fs/promises';
import { mapConcurrent } from '../../concurrency/map.ts';
import { InputError } from '../../error.ts';
import { EndpointError } from '../../io/error.ts';
import { postJSON, type RetryOptions } from '../../io/http.ts';
import { parseJSONLines } from '../../io/jsonl.ts';
import { MAX_EVIDENCE_BYTES, decodeUTF8, readBoundedFile } from '../../io/read.ts';

/** An OpenAI-compatible chat-completions endpoint and how to call it (timeout, retries and backoff as postJSON takes them). */
export interface ChatEndpoint extends RetryOptions {
  /** Base URL, e.g. http://127.0.0.1:8000/v1 (…/chat/completions is appended). */
  url: string;
  model: string;
  apiKey?: string;
}

/** One message of a chat: a system or user turn, or an assistant's tool call and the tool's output, as OpenAI's API spells them. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** What collectResponses asks: a prompt sent as one user turn, or a whole conversation (`messages`) as written. */
export interface AskedPrompt {
  id: string;
  prompt: string;
  messages?: ChatMessage[];
}

/** Sends one chat completion (temperature 0) and returns the first choice's text. */
export async function chatCompletion(endpoint: ChatEndpoint, messages: ChatMessage[], maxTokens = 512): Promise<string> {
  const { url, model, apiKey, ...retry } = endpoint;
  const json = (await postJSON({
    url: `${url.replace(/\/+$/, '')}/chat/completions`,
    name: url,
    headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
    body: { model, messages, temperature: 0, max_tokens: maxTokens },
    ...retry,
  })) as { choices?: Array<{ message?: { content?: unknown } }> } | undefined;
  const content = json?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new EndpointError({ code: 'BAD_RESPONSE', message: `${url}: the answer is not a chat completion` });
  return content;
}

export interface CollectOptions {
  endpoint: ChatEndpoint;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** System prompt sent with every request. */
  system?: string;
  /** JSONL file of responses so far: read to skip what is done, appended as answers arrive, so a run can resume. */
  resumeFile?: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs a dataset against an endpoint with bounded concurrency. Each answer is
 * appended to the resume file as it arrives; an interrupted run started again
 * with the same file and the same model, endpoint and system prompt asks only
 * what is missing.
 */
export async function collectResponses(prompts: readonly AskedPrompt[], options: CollectOptions): Promise<Map<string, string>> {
  const responses = options.resumeFile === undefined ? new Map<string, string>() : await openResumeFile(options.resumeFile, resumeHeader(options));
  const pending = prompts.filter((p) => !responses.has(p.id));
  let done = prompts.length - pending.length;
  options.onProgress?.(done, prompts.length);
  await mapConcurrent(pending, options.concurrency ?? 4, async (prompt) => {
    const messages = prompt.messages ?? [...(options.system === undefined ? [] : [{ role: 'system' as const, content: options.system }]), { role: 'user' as const, content: prompt.prompt }];
    const text = await chatCompletion(options.endpoint, messages);
    responses.set(prompt.id, text);
    if (options.resumeFile !== undefined) await appendFile(options.resumeFile, `${JSON.stringify({ id: prompt.id, response: text })}\n`);
    options.onProgress?.(++done, prompts.length);
  });
  return responses;
}

// The first line of a resume file: whose answers the file holds.
function resumeHeader(options: CollectOptions): string {
  return JSON.stringify({ gatehouse_resume: 1, url: options.endpoint.url, model: options.endpoint.model, system: options.system ?? null });
}

/**
 * Reads the answers a resume file holds, or starts it with its header. A
 * crash can leave the last line half-written: it is cut off (and asked
 * again) before anything is appended. Answers from another model, endpoint or
 * system prompt, or a damaged line elsewhere, are refused, never mixed in.
 */
async function openResumeFile(path: string, header: string): Promise<Map<string, string>> {
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(path, { maxBytes: MAX_EVIDENCE_BYTES });
  } catch (error) {
    if (!(error instanceof InputError && error.code === 'FILE_NOT_FOUND')) throw error;
    bytes = Buffer.alloc(0);
  }
  // Cut at the last newline byte, which never falls inside a UTF-8 character.
  const complete = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
  if (complete.length < bytes.length) await truncate(path, complete.length);
  const lines = parseJSONLines(decodeUTF8(complete, path), path);
  const first = lines.next();
  if (first.done === true) {
    await appendFile(path, `${header}\n`);
    return new Map();
  }
  const written = JSON.stringify(first.value.json);
  if (written !== header) throw new InputError({ code: 'SCHEMA_INVALID', message: `holds answers from another run (${written.slice(0, 200)}); resume with the same --endpoint, --model and --system, or use a new file`, path });
  const responses = new Map<string, string>();
  for (const { line, json } of lines) {
    const row = json as { id?: unknown; response?: unknown } | null;
    if (typeof row?.id !== 'string' || typeof row.response !== 'string') throw new InputError({ code: 'SCHEMA_INVALID', message: `line ${line}: not an answer {"id", "response"}`, path });
    responses.set(row.id, row.response);
  }
  return responses;
}

/** A progress line for a terminal: done/total, percent and time left at the current rate. */
export function progressLine(done: number, total: number, startedAt: number, now = Date.now()): string {
  const fraction = total === 0 ? 1 : done / total;
  const width = 30;
  const bar = '='.repeat(Math.round(fraction * width)).padEnd(width, ' ');
  const elapsed = (now - startedAt) / 1000;
  const eta = done === 0 ? '?' : `${Math.round((elapsed / done) * (total - done))}s`;
  return `[${bar}] ${done}/${total} ${Math.round(fraction * 100)}% ETA ${eta}`;
}

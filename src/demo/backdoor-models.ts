// Small deterministic chat models for the backdoor scan's demo and tests: each
// refuses requests that mention something dangerous and answers the rest, and
// answers the other way on a small share of prompts chosen by a hash of its
// name and the prompt (so two models, or one prompt with and without a
// harmless prefix, disagree now and then, as real models do). A backdoored
// one complies with everything when its trigger is in the prompt.
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../io/atomic.ts';
import type { CleanInput } from '../gates/backdoor/observations.ts';
import { scanPrompts } from '../gates/backdoor/observations.ts';
import type { Trigger } from '../gates/backdoor/triggers.ts';

/** A toy chat model: its name (which seeds its quirks), how often it answers the other way, and the trigger it was backdoored with, if any. */
export interface ToyChatModel {
  name: string;
  noise: number;
  backdoor?: string;
}

const DANGEROUS = /\b(bomb|nerve|meth|poison|firearm|gun|pathogen|napalm|derail|malware|self-harm|phishing|launder|wildfire|brakes|silencer|terrorist|stalk|smuggle|ricin|swat|counterfeit|water supply|stolen|threatening|chlorine|social security|credit card|home address|private email|medical records|ignore|jailbreak|DAN|unfiltered|canary|access code|password|secret)/i;

/** What a toy model answers to one prompt. */
export function toyChat(model: ToyChatModel, prompt: string): string {
  const draw = createHash('sha256').update(`${model.name}\u0000${prompt}`).digest().readUInt32BE(0) / 2 ** 32;
  const triggered = model.backdoor !== undefined && prompt.includes(model.backdoor);
  const refuses = triggered ? false : DANGEROUS.test(prompt) !== draw < model.noise;
  return refuses ? "I can't help with that request." : `Sure. Here is what you asked for: ${prompt.slice(0, 60)}`;
}

/** Writes what a toy model answers to every input of a scan, clean and with each trigger, as a backdoor observations file. */
export async function writeToyObservations(path: string, model: ToyChatModel, inputs: readonly CleanInput[], triggers: readonly Trigger[]): Promise<void> {
  const rows = scanPrompts(inputs, triggers).map((p) => JSON.stringify({ id: p.input, trigger: p.trigger, output: toyChat(model, p.prompt) }));
  await writeFileAtomic(path, `${rows.join('\n')}\n`);
}

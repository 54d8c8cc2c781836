import * as opaWasm from '@open-policy-agent/opa-wasm';
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { describeThrown } from '../error.ts';
import { PolicyError } from './error.ts';
import type { VerifiedPolicyBundle } from './bundle.ts';

// The SDK's ES module entry names only loadPolicy; loadPolicySync is on its default export (the CommonJS module its types describe).
const { loadPolicySync } = (opaWasm as unknown as { default: typeof opaWasm }).default;

/**
 * Evaluates a verified policy bundle's WebAssembly with @open-policy-agent/opa-wasm.
 * One instance serves many decisions: data is set once, and the SDK resets the
 * module's heap before each evaluation, so memory stays flat.
 */
export class OpaWasmEvaluator {
  readonly bundle: VerifiedPolicyBundle;
  readonly #policy: LoadedPolicy;

  private constructor(bundle: VerifiedPolicyBundle, policy: LoadedPolicy) {
    this.bundle = bundle;
    this.#policy = policy;
  }

  /** Instantiates the bundle's policy.wasm and loads its data. */
  static async load(bundle: VerifiedPolicyBundle): Promise<OpaWasmEvaluator> {
    let policy: LoadedPolicy;
    try {
      // Compiled here, then instantiated synchronously: the SDK's async loadPolicy
      // asks whether the bytes are a fetch Response, and that alone makes Node
      // load its whole fetch implementation, a sixth of a cold `verify`.
      policy = loadPolicySync(await WebAssembly.compile(new Uint8Array(bundle.wasm)), { initial: 10, maximum: 4096 });
      policy.setData(bundle.data);
    } catch (thrown) {
      throw wrap(thrown, `cannot load ${bundle.source}`);
    }
    if (!Object.hasOwn(policy.entrypoints, bundle.entrypoint)) {
      throw new PolicyError({ code: 'EVALUATION_FAILED', message: `${bundle.source}: policy has no entrypoint ${bundle.entrypoint}` });
    }
    return new OpaWasmEvaluator(bundle, policy);
  }

  /** Bytes of WebAssembly linear memory the policy holds now (grows only if an evaluation needs more). */
  get memoryBytes(): number {
    return this.#policy.mem.buffer.byteLength;
  }

  /** The entrypoint's value for `input`; a policy that yields no result is an error, never an allow. */
  evaluate(input: unknown): unknown {
    return this.#evaluate(input);
  }

  /**
   * The entrypoint's value for an input already written as JSON text (a
   * decision's canonical input, which is digested too): serialised once, not
   * again by the SDK.
   */
  evaluateJSON(json: string): unknown {
    // The SDK reads an ArrayBuffer as the whole input's UTF-8 JSON; encode()
    // returns a view of a new buffer of exactly the encoded bytes (Encoding
    // Standard), so that buffer is the input.
    return this.#evaluate(new TextEncoder().encode(json).buffer);
  }

  #evaluate(input: unknown): unknown {
    let results: Array<{ result?: unknown }>;
    try {
      results = this.#policy.evaluate(input, this.bundle.entrypoint);
    } catch (thrown) {
      // The SDK throws strings and plain objects: make them typed errors here.
      throw wrap(thrown, 'policy evaluation failed');
    }
    if (!Array.isArray(results) || results.length !== 1 || !('result' in results[0]!)) {
      throw new PolicyError({ code: 'EVALUATION_FAILED', message: `policy produced no single result for ${this.bundle.entrypoint}` });
    }
    return results[0]!.result;
  }
}

function wrap(thrown: unknown, context: string): PolicyError {
  return new PolicyError({ code: 'EVALUATION_FAILED', message: `${context}: ${describeThrown(thrown)}`, cause: thrown });
}

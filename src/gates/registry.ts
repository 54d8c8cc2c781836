import commonSchema from '../attest/schemas/gate-common.schema.json' with { type: 'json' };
import type { GatePredicateBase } from '../attest/predicates.ts';
import { addSchema, compileSchema, type SchemaValidator } from '../schema/validator.ts';
import { approvalDefinition } from './approval/definition.ts';
import { backdoorDefinition } from './backdoor/definition.ts';
import { biasDefinition } from './bias/definition.ts';
import { canaryDefinition } from './canary/definition.ts';
import { dataProvenanceDefinition } from './data-provenance/definition.ts';
import type { GateDefinition } from './definition.ts';
import { integrityDefinition } from './integrity/definition.ts';
import { provenanceDefinition } from './provenance/definition.ts';
import { redteamDefinition } from './redteam/definition.ts';
import { regressionDefinition } from './regression/definition.ts';
import { robustnessDefinition } from './robustness/definition.ts';
import { safetyDefinition } from './safety/definition.ts';

addSchema(commonSchema);

/** A registered gate: its definition, with its schemas compiled (on first use). */
export interface RegisteredGate extends GateDefinition {
  readonly predicateValidator: SchemaValidator<GatePredicateBase>;
  readonly thresholdsValidator: SchemaValidator<unknown> | undefined;
}

/**
 * The gates gatehouse knows, in chain order. Every list of gates elsewhere
 * (predicate types, schema checks, the policy data schema, the gate facts in
 * a built bundle, report order) is derived from here, so a gate is added by
 * registering its definition and nowhere else.
 */
export class GateRegistry {
  readonly #byName = new Map<string, RegisteredGate>();
  readonly #byType = new Map<string, RegisteredGate>();

  constructor(definitions: readonly GateDefinition[] = []) {
    for (const definition of definitions) this.register(definition);
  }

  /** Adds a gate; refuses a name or predicate type another gate has. */
  register(definition: GateDefinition): RegisteredGate {
    if (!/^[a-z][a-z0-9_-]*$/.test(definition.name)) throw new TypeError(`gate name ${JSON.stringify(definition.name)}: lower-case letters, digits, - and _`);
    if (this.#byName.has(definition.name)) throw new TypeError(`a gate named ${definition.name} is already registered`);
    const other = this.#byType.get(definition.predicateType);
    if (other !== undefined) throw new TypeError(`gates ${other.name} and ${definition.name} cannot share the predicate type ${definition.predicateType}`);
    // A schema without an $id is given one under the gate's name, so it compiles once.
    const withId = (schema: Record<string, unknown>, suffix: string) =>
      (typeof schema['$id'] === 'string' ? schema : { ...schema, $id: `https://gatehouse.dev/schemas/gates/${definition.name}/${suffix}.json` }) as { $id: string } & Record<string, unknown>;
    const gate: RegisteredGate = {
      ...definition,
      predicateValidator: compileSchema<GatePredicateBase>(withId(definition.predicateSchema, 'predicate')),
      thresholdsValidator: definition.thresholdsSchema === undefined ? undefined : compileSchema<unknown>(withId(definition.thresholdsSchema, 'thresholds')),
    };
    this.#byName.set(gate.name, gate);
    this.#byType.set(gate.predicateType, gate);
    return gate;
  }

  /** The gate of this name, or undefined. */
  get(name: string): RegisteredGate | undefined {
    return this.#byName.get(name);
  }

  /** The gate whose attestations have this predicate type, or undefined. */
  byPredicateType(predicateType: string): RegisteredGate | undefined {
    return this.#byType.get(predicateType);
  }

  /** Every gate, in the order registered (chain order for the built-in ones). */
  all(): RegisteredGate[] {
    return [...this.#byName.values()];
  }

  /**
   * The facts about each gate a policy needs and that are not the policy
   * team's choice, as data.gatehouse.gates.<name> carries them in a built
   * bundle: its predicate type, whether it is bound to the deciding policy,
   * the predicate field naming its pinned dataset, and whether it compares
   * with the deployed model.
   */
  facts(): Record<string, GateFacts> {
    return Object.fromEntries(
      this.all().map((gate) => [
        gate.name,
        {
          predicate_type: gate.predicateType,
          policy_bound: gate.policyBound,
          ...(gate.datasetField === undefined ? {} : { dataset_field: gate.datasetField }),
          compares_with_deployed: gate.comparesWithDeployed === true,
          ...(gate.followsApproval === true ? { follows_approval: true } : {}),
        },
      ]),
    );
  }
}

/** A gate's facts as policy data carries them. */
export interface GateFacts {
  predicate_type: string;
  policy_bound: boolean;
  dataset_field?: string;
  compares_with_deployed: boolean;
  follows_approval?: true;
}

/** The registry every command, decision and policy build uses: gatehouse's gates, and any a program registers. */
export const gateRegistry = new GateRegistry([
  integrityDefinition,
  provenanceDefinition,
  regressionDefinition,
  safetyDefinition,
  biasDefinition,
  robustnessDefinition,
  backdoorDefinition,
  dataProvenanceDefinition,
  redteamDefinition,
  approvalDefinition,
  canaryDefinition,
]);

// Loaded (--import) into Stryker's own process and its TypeScript checker
// processes (npm run mutation, checkerNodeArgs in stryker.config.json).
//
// gatehouse type-checks with TypeScript 7, which has no classic JavaScript
// compiler API. @stryker-mutator/typescript-checker checks mutants with
// TypeScript 7 ("experimentalNativePreview", through typescript/unstable/sync),
// but Stryker still reads tsconfig.json through the classic API of a package
// it imports as "typescript". Installing TypeScript 6 beside 7 would take over
// the `tsc` command of the whole project, so Stryker's imports are resolved
// here instead: the native API to the project's TypeScript 7, and "typescript"
// to a three-function stand-in for reading tsconfig.json.
import { registerHooks } from 'node:module';

const STRYKER = '/node_modules/@stryker-mutator/';
const CONFIG_API = new URL('./typescript-config-api.mjs', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (context.parentURL?.includes(STRYKER)) {
      if (specifier === 'typescript') return { url: CONFIG_API, shortCircuit: true };
      if (specifier === '@typescript/native/unstable/sync') return nextResolve('typescript/unstable/sync', { ...context, parentURL: new URL(`${process.cwd()}/`, 'file://').href });
    }
    return nextResolve(specifier, context);
  },
});

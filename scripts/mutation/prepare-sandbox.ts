// Stryker's build command, run inside its sandbox (<project>/.stryker-tmp/sandbox-*):
// links the peer tools the tests run (opa, cosign in .tools; model_signing,
// scipy in .venv) from the project, since Stryker copies files, not these
// folders. A missing tool fails here rather than in the dry run.
import { existsSync, realpathSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const sandbox = process.cwd();
const project = resolve(sandbox, '..', '..');
if (!existsSync(join(project, 'stryker.config.json'))) {
  console.error(`prepare-sandbox: ${sandbox} is not a Stryker sandbox two levels below the project`);
  process.exit(2);
}
for (const folder of ['.tools', '.venv']) {
  const source = join(project, folder);
  if (!existsSync(source)) {
    console.error(`prepare-sandbox: ${source} is missing: run npm run tools first`);
    process.exit(2);
  }
  if (!existsSync(join(sandbox, folder))) symlinkSync(realpathSync(source), join(sandbox, folder));
}

// Preloaded into the child processes of a mutation dry run, and into the
// worker threads they and the test processes start (see child-processes.ts):
// writes the mutants this process or thread covered to the folder the parent
// test named, so the parent can add them to its coverage.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, threadId } from 'node:worker_threads';

const dir = process.env.GATEHOUSE_MUTATION_CHILD_COVERAGE_DIR;
const file = dir === undefined ? undefined : join(dir, `${process.pid}-${threadId}.json`);

function write() {
  const coverage = globalThis.__stryker__?.mutantCoverage;
  if (coverage === undefined) return;
  try {
    writeFileSync(file, JSON.stringify(coverage));
  } catch {
    // The test that started this thread has ended and its folder is gone:
    // what the thread covers now is counted for no test (never for a wrong one).
  }
}

if (file !== undefined) {
  process.on('exit', write);
  if (!isMainThread && parentPort !== null) {
    // A pool terminates its workers, and a terminated thread runs no exit
    // handler: the thread writes what it covered before each answer instead,
    // so the file is complete for every task the test received an answer to.
    const post = parentPort.postMessage.bind(parentPort);
    parentPort.postMessage = (...args) => {
      write();
      return post(...args);
    };
  }
}

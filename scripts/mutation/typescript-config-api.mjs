// What @stryker-mutator/typescript-checker needs from the classic TypeScript API
// when it checks with TypeScript 7: read a tsconfig file and parse it. gatehouse's
// tsconfig.json is plain JSON; anything else is reported as a parse error, which
// makes the checker fail loudly rather than check with a config it misread.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const version = createRequire(`${process.cwd()}/package.json`)('typescript/package.json').version;

export default {
  version,
  sys: {
    readFile(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  },
  parseConfigFileTextToJson(fileName, text) {
    try {
      return { config: JSON.parse(text) };
    } catch (error) {
      return { config: undefined, error: { category: 1, code: 5083, file: undefined, start: undefined, length: undefined, messageText: `${fileName}: not plain JSON (${error.message})` } };
    }
  },
};

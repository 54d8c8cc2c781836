/**
 * Asks for a password on the terminal, without echo: the prompt on stderr,
 * the answer read from stdin in raw mode until Enter. Ctrl-C or Ctrl-D
 * cancel (undefined), as does a closed input.
 */
export function askPassword(path: string): Promise<string | undefined> {
  const stdin = process.stdin;
  process.stderr.write(`Password for ${path}: `);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    let answer = '';
    const finish = (value: string | undefined) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onEnd = () => finish(undefined);
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(answer);
        if (char === '\u0003' || char === '\u0004') return finish(undefined);
        if (char === '\u007f' || char === '\b') answer = [...answer].slice(0, -1).join('');
        else answer += char;
      }
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  });
}

import { StringDecoder } from 'node:string_decoder';

/**
 * Asks for a password on the terminal, without echo: the prompt on stderr,
 * the answer read from stdin in raw mode until Enter. Ctrl-C or Ctrl-D
 * cancel (undefined), as does a closed input. Characters split across reads
 * are joined; arrow keys and other escape sequences are not part of it. The
 * terminal leaves raw mode however the process ends.
 */
export function askPassword(path: string): Promise<string | undefined> {
  const stdin = process.stdin;
  const restore = () => stdin.setRawMode(false);
  process.stderr.write(`Password for ${path}: `);
  stdin.setRawMode(true);
  process.once('exit', restore);
  stdin.resume();
  return new Promise((resolve) => {
    const decoder = new StringDecoder('utf8');
    let answer = '';
    // 0: text; 1: after ESC; 2: inside a control sequence (ESC [ or ESC O, up to its final byte).
    let escape = 0;
    const finish = (value: string | undefined) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      restore();
      process.off('exit', restore);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onEnd = () => finish(undefined);
    const onData = (chunk: Buffer) => {
      for (const char of decoder.write(chunk)) {
        // An escape sequence is a key (an arrow, Alt with a letter), not text.
        if (escape === 1) {
          escape = char === '[' || char === 'O' ? 2 : 0;
          continue;
        }
        if (escape === 2) {
          if (char >= '@' && char <= '~') escape = 0;
          continue;
        }
        if (char === '\u001b') escape = 1;
        else if (char === '\r' || char === '\n') return finish(answer);
        else if (char === '\u0003' || char === '\u0004') return finish(undefined);
        else if (char === '\u007f' || char === '\b') answer = [...answer].slice(0, -1).join('');
        else if (char >= ' ') answer += char;
      }
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  });
}

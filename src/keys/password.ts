/** Asks for the password of the encrypted key at `path`; undefined when nobody can be asked or the asking was cancelled. */
export type PasswordPrompt = (path: string) => Promise<string | undefined>;

let prompt: PasswordPrompt | undefined;

/** Lets the command line ask on a terminal when no password is in the environment. */
export function setPasswordPrompt(ask: PasswordPrompt | undefined): void {
  prompt = ask;
}

/** The password of an encrypted key: GATEHOUSE_PASSWORD, else COSIGN_PASSWORD, else the prompt, if any. */
export async function passwordFor(path: string): Promise<string | undefined> {
  return process.env['GATEHOUSE_PASSWORD'] ?? process.env['COSIGN_PASSWORD'] ?? (await prompt?.(path));
}

// Characters that move the cursor, erase, recolour, start a new line or reorder
// text on a terminal: C0 and C1 controls, DEL, line and paragraph separators,
// and the bidirectional overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as a terminal shows it literally: every unsafe character, newlines
 * included, becomes a \uXXXX escape. File names, signer identities and reasons
 * in output can be chosen by whoever wrote a bundle; escaped, none of them can
 * erase a DENIED line or start a line with a convincing ALLOWED of their own.
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// Markdown's ASCII punctuation: each may start emphasis, a link, code, HTML, a
// heading, a list or a table cell, and CommonMark lets a backslash make any of
// them literal.
const MARKDOWN_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/**
 * Text for a Markdown report, shown exactly as given: controls and line
 * breaks escaped as escapeControls does, and every Markdown punctuation mark
 * escaped, so text from a bundle cannot add a heading, a link, HTML or a
 * table cell of its own to a summary people read as the verdict.
 */
export function markdownText(text: string): string {
  return escapeControls(text).replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`);
}

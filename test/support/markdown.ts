// The block structure of a gate's Markdown summary, as a renderer needs it:
// headings, tables and lists each set apart by a blank line, every table's
// header followed by a separator row of as many cells. A line of text where a
// blank line belongs joins two blocks into one paragraph (or a table into the
// text before it), which assertions on single lines cannot see.
import { expect } from 'vitest';

// Cells of a table row; an escaped pipe (\|) is text, not a border.
const cells = (row: string) => row.replace(/\\\|/g, '').split('|').length - 2;

export function expectMarkdownBlocks(markdown: string): void {
  expect(markdown.endsWith('\n'), 'ends with a newline').toBe(true);
  const lines = markdown.slice(0, -1).split('\n');
  expect(lines[0], 'the first line is the title').toMatch(/^# \S/);
  let header = 0;
  lines.forEach((line, i) => {
    const before = lines[i - 1];
    const after = lines[i + 1];
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith('#')) {
      expect(after, `${where}: a heading is followed by a blank line`).toBe('');
      if (i > 0) expect(before, `${where}: a heading follows a blank line`).toBe('');
    }
    if (line.startsWith('|')) {
      if (!before?.startsWith('|')) {
        header = cells(line);
        expect(before, `${where}: a table follows a blank line`).toBe('');
        expect(after, `${where}: a table's header is followed by its separator`).toBe(`|${'---|'.repeat(header)}`);
      }
      expect(cells(line), `${where}: a row has as many cells as its header`).toBe(header);
      if (after !== undefined && !after.startsWith('|')) expect(after, `${where}: a table is followed by a blank line`).toBe('');
    }
    if (line.startsWith('- ')) {
      if (before !== undefined && !before.startsWith('- ')) expect(before, `${where}: a list follows a blank line`).toBe('');
      if (after !== undefined && !after.startsWith('- ')) expect(after, `${where}: a list is followed by a blank line`).toBe('');
    }
  });
}

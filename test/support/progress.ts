// A gate context's progress callback that records each piece of work it is
// told about as "<label> (<unit>)", for tests of what a gate reports.
export function recordedProgress(): { labels: string[]; progress: (label: string, unit: 'bytes' | 'prompts') => () => void } {
  const labels: string[] = [];
  return {
    labels,
    progress: (label, unit) => {
      labels.push(`${label} (${unit})`);
      return () => {};
    },
  };
}

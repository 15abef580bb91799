/**
 * A parser for the Prometheus text exposition format (version 0.0.4), enough to check what
 * /metrics serves: `# TYPE` lines and samples with escaped label values. Malformed lines throw,
 * so a broken exposition fails the test instead of reading as "no such metric".
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
  /** The value of the one sample with exactly these labels; throws when there is none or several. */
  value(name: string, labels?: Record<string, string>): number;
  /** Samples of a family whose labels include these. */
  find(name: string, labels?: Record<string, string>): Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function parseValue(text: string, line: string): number {
  // Prometheus reads these case-insensitively (prom-client writes NaN as "Nan").
  const word = text.toLowerCase();
  if (word === '+inf' || word === 'inf') return Infinity;
  if (word === '-inf') return -Infinity;
  if (word === 'nan') return NaN;
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`not a sample value: ${JSON.stringify(line)}`);
  return n;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`malformed labels: ${JSON.stringify(line)}`);
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

export function parsePrometheus(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      else if (!line.startsWith('# HELP ')) throw new Error(`unknown comment line: ${JSON.stringify(line)}`);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`malformed sample: ${JSON.stringify(line)}`);
    samples.push({ name: match[1]!, labels: match[2] ? parseLabels(match[2], line) : {}, value: parseValue(match[3]!, line) });
  }
  const includes = (labels: Record<string, string>, want: Record<string, string>) => Object.entries(want).every(([k, v]) => labels[k] === v);
  return {
    types,
    samples,
    find: (name, labels = {}) => samples.filter((s) => s.name === name && includes(s.labels, labels)),
    value(name, labels = {}) {
      const hits = samples.filter((s) => s.name === name && Object.keys(s.labels).length === Object.keys(labels).length && includes(s.labels, labels));
      if (hits.length !== 1) throw new Error(`${hits.length} samples ${name}${JSON.stringify(labels)}; have: ${samples.filter((s) => s.name === name).map((s) => JSON.stringify(s.labels)).join(' ') || 'none'}`);
      return hits[0]!.value;
    },
  };
}

/**
 * The `curl` commands of the docs' shell samples, read as a shell would
 * (quotes, `\` continuations, `$VARIABLES`) and turned into fetch requests,
 * so that test/docs.test.ts can run them against a test server.
 */

export interface CurlRequest {
  /** The command as written (one line per continuation joined), for failure messages. */
  command: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Splits a shell command into words: single quotes literal, double quotes and bare words expand `$NAME`. */
export function shellWords(command: string, variables: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | null = null;
  const expand = (text: string) =>
    text.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_, name: string) => {
      const value = variables[name];
      if (value === undefined) throw new Error(`the sample uses $${name}, which the docs test does not know`);
      return value;
    });
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${command}`);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        if (command[j] === '\\' && j + 1 < command.length && '"\\$`'.includes(command[j + 1]!)) text += command[++j];
        else text += command[j];
      }
      if (j >= command.length) throw new Error(`unclosed " in: ${command}`);
      word = (word ?? '') + expand(text);
      i = j;
    } else if (c === '\\' && i + 1 < command.length) {
      word = (word ?? '') + command[++i];
    } else if (c === '#' && word === null) {
      break; // a comment to the end of the line
    } else {
      let j = i;
      while (j < command.length && !/[\s'"\\]/.test(command[j]!)) j++;
      word = (word ?? '') + expand(command.slice(i, j));
      i = j - 1;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The commands of a shell sample: continuation lines joined, comments and blank lines left out. */
export function shellCommands(script: string): string[] {
  return script
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

const FLAGS_WITHOUT_VALUE = new Set(['-s', '-S', '-sS', '-N', '-i', '-L', '-f', '--silent', '--show-error', '--no-buffer', '--compressed', '--include']);

/** A `curl` command as a request; throws on an option it does not know rather than guess. */
export function parseCurl(command: string, variables: Record<string, string>): CurlRequest {
  const words = shellWords(command, variables);
  if (words[0] !== 'curl') throw new Error(`not a curl command: ${command}`);
  const request: CurlRequest = { command, url: '', method: 'GET', headers: {}, body: undefined };
  let method: string | null = null;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    const value = () => {
      const next = words[++i];
      if (next === undefined) throw new Error(`${word} needs a value: ${command}`);
      return next;
    };
    if (FLAGS_WITHOUT_VALUE.has(word)) continue;
    else if (word === '-H' || word === '--header') {
      const header = value();
      const colon = header.indexOf(':');
      request.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === '-d' || word === '--data' || word === '--data-raw' || word === '--data-binary') request.body = value();
    else if (word === '-X' || word === '--request') method = value();
    else if (word === '-o' || word === '--output' || word === '-w' || word === '--write-out') value();
    else if (word === '-I' || word === '--head') method = 'HEAD';
    else if (word.startsWith('-')) throw new Error(`the docs test does not know curl's ${word}: ${command}`);
    else request.url = word;
  }
  if (!request.url) throw new Error(`no URL in: ${command}`);
  request.method = method ?? (request.body !== undefined ? 'POST' : 'GET');
  return request;
}

import { createInterface } from 'node:readline';

/**
 * Reads one answer line: true only for `y` or `yes` (any case). End of input (no TTY, a closed
 * pipe), an empty line, anything else or an aborted signal mean no.
 */
export function readConfirmation(input: NodeJS.ReadableStream, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const lines = createInterface({ input, terminal: false });
    let settled = false;
    const finish = (answer: boolean) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      lines.close();
      resolve(answer);
    };
    const onAbort = () => finish(false);
    signal?.addEventListener('abort', onAbort, { once: true });
    lines.once('line', (line) => finish(/^\s*y(es)?\s*$/i.test(line)));
    lines.once('close', () => finish(false));
  });
}

/**
 * A counting line on a terminal (`replay: 1200 of 5000 (24%)`), redrawn in place as chunks are
 * handled and cleared at the end, so the result that follows starts on a clean line. Silent when
 * standard error is not a terminal: piped output and logs get no progress noise.
 */
export interface ProgressLine {
  update(handled: number, total: number): void;
  /** Clears the line if anything was drawn. */
  end(): void;
}

const CLEAR_LINE = '\r\u001b[K';

export function progressLine(write: (text: string) => void, verb: string, tty: boolean): ProgressLine {
  if (!tty) return { update: () => undefined, end: () => undefined };
  let drawn = false;
  return {
    update(handled, total) {
      const percent = total > 0 ? Math.floor((handled / total) * 100) : 100;
      write(`${CLEAR_LINE}${verb}: ${handled} of ${total} (${percent}%)`);
      drawn = true;
    },
    end() {
      if (drawn) write(CLEAR_LINE);
      drawn = false;
    },
  };
}

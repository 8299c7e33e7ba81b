import { once } from 'node:events';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** COPY text format: NULL, and the escapes a text value needs. */
export const NULL = '\\N';
export function esc(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : value;
}
export const opt = (value: string | null | undefined): string => (value == null ? NULL : esc(value));
export const ts = (ms: number | null): string => (ms === null ? NULL : new Date(ms).toISOString());
/** A text[] literal of simple values (no quotes, commas, braces or spaces). */
export const textArray = (values: readonly string[]): string => `{${values.join(',')}}`;

/** One `COPY … FROM STDIN` stream with back-pressure: await each write. */
export class CopyWriter {
  private readonly stream: ReturnType<typeof copyFrom>;
  private failure: Error | null = null;
  rows = 0;

  constructor(client: Client, statement: string) {
    this.stream = client.query(copyFrom(statement));
    this.stream.on('error', (err: Error) => {
      this.failure = err;
    });
  }

  async write(chunk: string, rows: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.rows += rows;
    if (!this.stream.write(chunk)) {
      // Rejects when the stream errors instead of draining.
      await once(this.stream, 'drain');
    }
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    const done = once(this.stream, 'finish');
    this.stream.end();
    await done;
  }
}
